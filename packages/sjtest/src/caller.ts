/**
 * A caller case's verdict from its two runs: the jailed probe's report when the tool was run by a
 * confined caller, and when it was run by a plain one (the control). `confined` is kept only when the
 * control shows the same jail without that confinement; `confined-anyway` says the tool's jails have it
 * whoever calls (no_new_privs set by the tool itself, say); `unconfined` breaks the promise whatever the
 * control says. A tool that refuses to run for the confined caller keeps it too.
 */
import type { Outcome } from './case.js';

/** What a probe's report says of the confinement: killed by a filter counts as confined. */
function said(o: Outcome): 'confined' | 'unconfined' | undefined {
  if (o.kind === 'killed') return 'confined';
  if (o.kind === 'value' && (o.value === 'confined' || o.value === 'unconfined')) return o.value;
  return undefined;
}

function text(o: Outcome): string {
  const what = o.kind === 'value' ? o.value : o.kind === 'err' ? (o.errno ?? 'err') : o.kind;
  return o.detail ? `${what}: ${o.detail}` : `${what}`;
}

export function callerOutcome(confined: Outcome, control: Outcome): Outcome {
  const without = `from a plain caller: ${text(control)}`;
  const mine = said(confined);
  if (mine === 'unconfined') return { ...confined, detail: `${confined.detail}; ${without}` };
  if (mine === undefined && confined.kind !== 'refused') return confined;
  const theirs = said(control);
  if (theirs === undefined)
    return {
      kind: 'missing',
      detail: `${text(confined)}; the run from a plain caller (the control) decided nothing: ${text(control)}`,
    };
  if (confined.kind === 'refused') return { ...confined, detail: `${confined.detail}; ${without}` };
  return {
    kind: 'value',
    value: theirs === 'unconfined' ? 'confined' : 'confined-anyway',
    detail: `${confined.detail}; ${without}`,
  };
}
