#!/bin/sh
# Checks the layering rules of DESIGN.md over a source tree (default src): a function name is defined
# in one layer only, includes go down the layers only, and only ui includes curses.
# Prints "bntutor: file:line: what is wrong" for each break and exits 1; 0 when every rule holds.
# --list prints every definition found ("layer name file:line") instead.
set -u
list=0
if [ "${1:-}" = --list ]; then
    list=1
    shift
fi
root=${1:-src}
if [ ! -d "$root" ]; then
    echo "bntutor: $root: no such source directory" >&2
    exit 2
fi
status=0

# Function definitions, one "layer name file:line" per line. A definition starts at column 0 with a
# type and a name followed by '(' and reaches '{' before any ';' (prototypes end at the ';').
defs=$(find "$root" -name '*.c' | sort | while read -r f; do
    rel=${f#"$root"/}
    case $rel in
        */*) layer=${rel%%/*} ;;
        *) layer=main ;;       # src/main.c sits above every folder
    esac
    awk -v layer="$layer" -v file="$f" '
        function flush() {
            if (name != "" && text ~ /\{/ && (index(text, ";") == 0 || index(text, "{") < index(text, ";")))
                print layer, name, file ":" line
            name = ""; text = ""
        }
        name != "" {
            text = text " " $0
            if ($0 ~ /[{;]/) flush()
            next
        }
        /^[A-Za-z_]/ && !/^(typedef|struct|enum|union|return|else|if|for|while|do|switch|goto)[ (]/ &&
            match($0, /^[A-Za-z_][A-Za-z0-9_ *]*[ *][A-Za-z_][A-Za-z0-9_]*\(/) {
            head = substr($0, 1, RLENGTH - 1)
            sub(/.*[ *]/, "", head)
            name = head; line = NR; text = $0
            if ($0 ~ /[{;]/) flush()
        }
    ' "$f"
done)

if [ $list = 1 ]; then
    printf '%s\n' "$defs"
    exit 0
fi

# A name defined in two or more layers: every definition of it, with the layers involved.
clashes=$(printf '%s\n' "$defs" | awk 'NF == 3 { if (!((($2) SUBSEP ($1)) in seen)) { seen[$2, $1] = 1; n[$2]++ } }
    END { for (k in n) if (n[k] > 1) print k }' | sort)
for fn in $clashes; do
    layers=$(printf '%s\n' "$defs" | awk -v fn="$fn" '$2 == fn { print $1 }' | sort -u | tr '\n' ' ')
    printf '%s\n' "$defs" | awk -v fn="$fn" -v layers="${layers% }" '$2 == fn {
        printf "bntutor: %s: %s() is defined in more than one layer (%s)\n", $3, fn, layers }' >&2
    status=1
done

# Includes go down the layers only (DESIGN.md): a folder may include itself and the folders before it
# in this order. So engine, view and lesson never see scene or ui, and scene never sees ui.
order="util engine view lesson scene ui cmd"
rank() {
    i=0
    for l in $order; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}
for layer in $order; do
    [ -d "$root/$layer" ] || continue
    mine=$(rank "$layer")
    hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$root/$layer" --include='*.c' --include='*.h')
    [ -n "$hits" ] || continue
    bad=$(printf '%s\n' "$hits" | while IFS= read -r hit; do
        target=$(printf '%s\n' "$hit" | sed 's/^[^"]*"\(\.\.\/\)*\(src\/\)\{0,1\}\([a-z]*\)\/.*/\3/')
        [ "$target" = "$hit" ] && continue        # a file of the same folder, no layer named
        theirs=$(rank "$target")
        if [ "$theirs" -gt "$mine" ]; then
            file=${hit%%:*}
            rest=${hit#*:}
            echo "bntutor: $file:${rest%%:*}: $layer code includes the higher $target layer:" \
                 "$(printf '%s\n' "${rest#*:}" | sed 's/^[[:space:]]*//')"
        fi
    done)
    if [ -n "$bad" ]; then
        printf '%s\n' "$bad" >&2
        status=1
    fi
done

# Only the ui layer talks to the terminal.
curses=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(n?curses(w)?/)?(n?curses|term|panel)\.h>' "$root" \
             --include='*.c' --include='*.h' | grep -v "^$root/ui/" || true)
if [ -n "$curses" ]; then
    printf '%s\n' "$curses" | sed 's/^\([^:]*:[0-9]*\):[[:space:]]*/bntutor: \1: only src\/ui may include curses: /' >&2
    status=1
fi

exit $status
