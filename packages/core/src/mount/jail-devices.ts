/** The devices of a jail's /dev (a tmpfs of its own, like bubblewrap's --dev): name, major, minor. */
export const jailDevices: readonly [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];
