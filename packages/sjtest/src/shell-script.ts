/** The busybox sh program that runs the shell cases: `sh -c SCRIPT sjtest BB TOKEN SLEEPER ROOTMARK MARKER ID SNIPPET...`. */
export const shellScript = `BB=$1 TOKEN=$2 SLEEPER=$3 ROOTMARK=$4 MARKER=$5
shift 5
value() { printf 'value\\t-\\t%s\\n' "$1"; }
ok() { printf 'ok\\t-\\t\\n'; }
err() { printf 'err\\t%s\\t\\n' "$1"; }
while [ $# -ge 2 ]; do
  r=$(eval "$2" 2>/dev/null | $BB head -n 1)
  [ -n "$r" ] || r="err	-	the snippet printed nothing"
  printf 'SJTEST\\t%s\\t%s\\n' "$1" "$r"
  shift 2
done
echo SJTEST-END
`;
