/** SYSJAIL_TRACE=1 prints how long each start-up stage took, on stderr. */
export function startTrace(): (stage: string) => void {
  if (!process.env.SYSJAIL_TRACE) return () => {};
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    process.stderr.write(`sysjail: ${stage} ${(now - last).toFixed(2)} ms\n`);
    last = now;
  };
}
