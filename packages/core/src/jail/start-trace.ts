/**
 * SYSJAIL_TRACE=1 prints how long each start-up stage took, on stderr. The printing is not counted in the
 * next stage (the first write creates process.stderr: node:net and a pipe handle when stderr is a pipe).
 */
export function startTrace(): (stage: string) => void {
  if (!process.env.SYSJAIL_TRACE) return () => {};
  let last = performance.now();
  return (stage) => {
    process.stderr.write(`sysjail: ${stage} ${(performance.now() - last).toFixed(2)} ms\n`);
    last = performance.now();
  };
}
