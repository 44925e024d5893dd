# SPDX-License-Identifier: Apache-2.0
# Release recipes (docs/formats.md "Release recipe") rebuilt by stock
# tools, independently of lib/recipe.c: jq, base64 and cat.

# recipe_path STORE NAME-VERSION: the recipe blob index.json names.
recipe_path() {
	local d
	d=$(jq -r --arg p "releases/$2.tar" \
	    '.releases[] | select(.path == $p) | .recipe[7:]' "$1/index.json")
	[ -n "$d" ] && [ "$d" != null ] && echo "$1/blobs/sha256/$d"
}

# recipe_cat STORE NAME-VERSION: writes the rebuilt tar to stdout.
recipe_cat() {
	local r part
	r=$(recipe_path "$1" "$2") || return 1
	jq -c '.parts[]' "$r" | while read -r part; do
		case $part in
		'{"data"'*) printf %s "$part" | jq -r .data | base64 -d ;;
		*) cat "$1/blobs/sha256/$(printf %s "$part" | jq -r '.blob[7:]')" ;;
		esac
	done
}
