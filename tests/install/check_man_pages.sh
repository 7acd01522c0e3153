#!/usr/bin/env bash
# check_man_pages.sh MAN_DIR BIN_DIR CONFLUENTD TOOL...
# For confluentd and each tool: its rendered man page exists, names each
# option the tool's --help lists, and --help ends by pointing to that page.
# Fails listing every miss, so a page cannot silently fall behind its tool.
set -uo pipefail
man_dir=$1 bin_dir=$2 confluentd=$3
shift 3
failed=0
miss() {
  echo "FAIL: $*" >&2
  failed=1
}
check() {  # check PROGRAM PAGE HELP_ARGS...
  local program=$1 page=$2
  shift 2
  local file="$man_dir/$page"
  [ -s "$file" ] || { miss "$file was not generated"; return; }
  # roff writes a dash as \- (and --json as \-\-json): compare plain text.
  local text
  text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$file")
  local help
  help=$("$program" "$@" --help) || { miss "$program $* --help failed"; return; }
  local name=${page%.*} section=${page##*.}
  [[ "$help" == *"See man $name($section)." ]] || miss "$program --help does not end with 'See man $name($section).'"
  # Options as boost prints them: "  -b [ --blame ]", "  --json", "  --ttl SECONDS".
  local options
  options=$(grep -oE '^ +(-[A-Za-z] \[ )?--[a-z][a-z-]*' <<<"$help" | grep -oE -- '--[a-z][a-z-]*|-[A-Za-z]')
  [ -n "$options" ] || { miss "no options found in $program --help"; return; }
  local o
  for o in $options; do
    grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|$)" <<<"$text" || miss "$page does not mention $o (listed by $program --help)"
  done
}
check "$confluentd" confluentd.8
for tool in "$@"; do
  check "$bin_dir/$tool" "$tool.1"
done
# collective's subcommands print only their own options: check each too.
for sub in gencert invite join show delete recover; do
  check "$bin_dir/collective" collective.1 "$sub"
done
[ $failed -eq 0 ] && echo "every man page names every option its tool lists"
exit $failed
