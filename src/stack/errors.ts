/**
 * A prerequisite the stack cannot provide by itself. Its message is one line
 * that says exactly what to install or set; the CLI prints it without a trace.
 */
export class MissingPrerequisite extends Error {
  override readonly name = 'MissingPrerequisite';
}
