#!/usr/bin/env node
// The `sluice` command. Runs the compiled CLI from dist/ when it is at least
// as new as every source file; otherwise (a checkout being worked on) the
// sources through tsx.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const compiled = path.join(root, 'dist', 'client', 'cli.js');
const sources = path.join(root, 'src');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const useCompiled = fs.existsSync(compiled) && (!fs.existsSync(sources) || fs.statSync(compiled).mtimeMs >= newestSource(sources));
if (!useCompiled) require('tsx/cjs');
require(useCompiled ? compiled : path.join(sources, 'client', 'cli.ts')).run(process.argv);
