/**
 * Loaded by path into the workflow bundle of workers that have a codec key:
 * failure messages and stack traces move into an encoded attribute, which the
 * payload codec then encrypts (without this, they stay readable in history).
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
