// The uapi fixture's notify handlers, loaded by core's supervisor thread.

/** @type {Readonly<Record<string, import('@sysjail/core').Handler>>} */
export const handlers = {
  /** Answers success and makes nothing: what exists was made by a call the supervisor never saw. */
  answerOnly: () => ({ val: 0 }),
};
