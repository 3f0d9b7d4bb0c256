#!/bin/sh
# Installs Workdiary for the current user from the bundle this script sits in (the folder
# workdiary/ of the unpacked release archive): the program in ~/.local/lib/workdiary, the
# command ~/.local/bin/workdiary (a link to it), the applications menu's entry and icons in
# $XDG_DATA_HOME, and the autostart entry in $XDG_CONFIG_HOME/autostart. What it puts in place
# is listed in ~/.local/lib/workdiary/install-manifest, which uninstall.sh removes exactly.
# Run it again to update: the program is replaced, and an autostart entry switched off stays
# off. The data dir ($XDG_DATA_HOME/workdiary) is never touched.
# Usage: install.sh [--no-autostart]
set -eu
# Byte-wise patterns and ranges, whatever the user's locale.
LC_ALL=C
export LC_ALL

usage="Usage: $0 [--no-autostart]
Installs Workdiary for $(id -un) from the bundle beside this script.
  --no-autostart  do not start Workdiary when you log in (removes an existing autostart
                  entry); you can switch it on later in the app's Settings"

refuse() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

autostart=yes
for option in "$@"; do
  case $option in
    --no-autostart) autostart=no ;;
    -h | --help)
      printf '%s\n' "$usage"
      exit 0
      ;;
    *) refuse "unknown option $option
$usage" ;;
  esac
done

# --- Where things go (uninstall.sh uses the same places) ---------------------------------
case ${HOME:-} in
  /*) ;;
  *) refuse "HOME is not set to an absolute path: Workdiary installs into your home folder." ;;
esac
case $HOME in
  *[[:cntrl:]]*) refuse "HOME holds a control character: a desktop entry cannot name it." ;;
esac
data_home=${XDG_DATA_HOME:-}
case $data_home in /*) ;; *) data_home=$HOME/.local/share ;; esac
config_home=${XDG_CONFIG_HOME:-}
case $config_home in /*) ;; *) config_home=$HOME/.config ;; esac
lib_dir=$HOME/.local/lib
app_dir=$lib_dir/workdiary
program=$app_dir/workdiary
manifest=$app_dir/install-manifest
bin_dir=$HOME/.local/bin
link=$bin_dir/workdiary
menu_dir=$data_home/applications
menu_entry=$menu_dir/workdiary.desktop
icon_dir=$data_home/icons/hicolor
icon_sizes="16 32 64 128 256"
autostart_entry=$config_home/autostart/workdiary.desktop
data_dir=$data_home/workdiary
staging=$lib_dir/workdiary.installing
replaced=$lib_dir/workdiary.replaced

# --- The bundle beside this script ---------------------------------------------------------
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
if [ ! -f "$here/workdiary" ] || [ ! -x "$here/workdiary" ]; then
  refuse "there is no Workdiary program beside this script ($here/workdiary). Run the install.sh
of the unpacked release archive (workdiary/install.sh), or of a built bundle
(installer/dist/workdiary/install.sh after installer/build)."
fi
missing=""
[ -f "$here/workdiary.desktop" ] || missing="$missing $here/workdiary.desktop"
for size in $icon_sizes; do
  [ -f "$here/icons/workdiary-$size.png" ] || missing="$missing $here/icons/workdiary-$size.png"
done
[ -z "$missing" ] || refuse "the bundle in $here is incomplete; missing:$missing"
if [ -d "$app_dir" ] && [ "$(cd "$app_dir" && pwd -P)" = "$here" ]; then
  refuse "this is the installed copy of Workdiary ($app_dir). To update, run the install.sh of
a newer unpacked archive; to remove it, run $app_dir/uninstall.sh."
fi

# --- What stands there already must be ours -----------------------------------------------
update=no
if [ -e "$app_dir" ] || [ -L "$app_dir" ]; then
  [ -f "$manifest" ] || refuse "$app_dir exists and was not made by this installer (it holds
no install-manifest): move it away, then run install.sh again."
  update=yes
fi
if [ -e "$link" ] || [ -L "$link" ]; then
  if [ ! -L "$link" ] || [ "$(readlink "$link")" != "$program" ]; then
    refuse "$link exists and is not Workdiary's link to $program: move it away (or remove
it), then run install.sh again."
  fi
fi

# The pids of processes running the installed program (their executable is it).
running_pids() {
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case $target in
      "$program" | "$program (deleted)")
        pid=${exe#/proc/}
        printf '%s ' "${pid%/exe}"
        ;;
    esac
  done
}
if [ "$update" = yes ]; then
  pids=$(running_pids)
  pids=${pids% }
  [ -z "$pids" ] || refuse "Workdiary is running (pid $pids) from the program this would
replace: quit it first (its tray menu's Quit, or: $link --quit), then run install.sh again."
fi

# --- Helpers ---------------------------------------------------------------------------------
work=$(mktemp -d)
: >"$work/created"
: >"$work/installed"
: >"$work/pending"
# On any failure: the earlier version back in its place, no half-written file left.
cleanup() {
  if [ ! -e "$app_dir" ] && [ -d "$replaced" ]; then mv -- "$replaced" "$app_dir"; fi
  while IFS= read -r pending; do rm -f -- "$pending"; done <"$work/pending"
  rm -rf -- "$staging" "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

# Copies $1 to $2 whole: through a temporary file beside it, then a rename.
put_file() {
  printf '%s\n' "$2.installing" >>"$work/pending"
  cat -- "$1" >"$2.installing"
  chmod 644 "$2.installing"
  mv -f -- "$2.installing" "$2"
}

# mkdir -p that notes each folder it creates, outermost first, for uninstall.sh to remove.
make_dir() {
  missing_dirs=""
  dir=$1
  while [ ! -d "$dir" ]; do
    missing_dirs="$dir
$missing_dirs"
    dir=$(dirname -- "$dir")
  done
  mkdir -p -- "$1"
  printf '%s' "$missing_dirs" | while IFS= read -r made; do
    [ -z "$made" ] || printf 'dir %s\n' "$made" >>"$work/created"
  done
}

# The value of a desktop entry's Exec key that runs the one program $1 (the Desktop Entry
# spec's quoting, then its escaping of backslashes; tracker/autostart.py writes the same).
exec_value() {
  case $1 in
    '' | *[!A-Za-z0-9_./+,:@=%-]*)
      value=\"$(printf '%s' "$1" | sed 's/["`$\\]/\\&/g')\"
      ;;
    *) value=$1 ;;
  esac
  printf '%s' "$value" | sed -e 's/%/%%/g' -e 's/\\/\\\\/g'
}

# Writes the bundle's desktop entry, running the installed program, to $1 (whole or not at all).
write_entry() {
  make_dir "$(dirname -- "$1")"
  value=$(exec_value "$program")
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      Exec=*) printf 'Exec=%s\n' "$value" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done <"$here/workdiary.desktop" >"$work/entry"
  put_file "$work/entry" "$1"
}

# Whether the desktop entry $1 is switched off (Hidden=true, or GNOME's
# X-GNOME-Autostart-enabled=false, in its [Desktop Entry] group).
switched_off() {
  awk '
    /^[ \t]*\[/ { group = $0; gsub(/^[ \t]+|[ \t]+$/, "", group); next }
    group == "[Desktop Entry]" && index($0, "=") > 0 {
      key = substr($0, 1, index($0, "=") - 1)
      value = substr($0, index($0, "=") + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", key)
      gsub(/^[ \t]+|[ \t]+$/, "", value)
      if ((key == "Hidden" && value == "true") ||
          (key == "X-GNOME-Autostart-enabled" && value == "false")) off = 1
    }
    END { exit !off }' "$1"
}

# --- The program, first: the largest copy, and the likeliest to fail (disk space) -----------
version=$("$here/workdiary" --version 2>&1) ||
  refuse "the program beside this script does not start ($here/workdiary --version: $version)."
make_dir "$lib_dir"
rm -rf "$staging" "$replaced" # what an interrupted run left
cp -RP -- "$here" "$staging"
rm -f "$staging/install-manifest"

# --- Icons, the menu's entry, the autostart entry, the command -----------------------------
for size in $icon_sizes; do
  target=$icon_dir/${size}x${size}/apps/workdiary.png
  make_dir "$(dirname -- "$target")"
  put_file "$here/icons/workdiary-$size.png" "$target"
  printf 'file %s\n' "$target" >>"$work/installed"
done
write_entry "$menu_entry"
printf 'file %s\n' "$menu_entry" >>"$work/installed"

if [ "$autostart" = no ]; then
  if [ -f "$autostart_entry" ] && ! switched_off "$autostart_entry"; then
    rm -f "$autostart_entry"
    autostart_said="removed (--no-autostart)"
  else
    autostart_said="not written (--no-autostart)"
  fi
elif [ -f "$autostart_entry" ] && switched_off "$autostart_entry"; then
  autostart_said="kept switched off, as it was"
elif [ -f "$autostart_entry" ] || [ "$update" = no ]; then
  write_entry "$autostart_entry"
  printf 'autostart %s\n' "$autostart_entry" >>"$work/installed"
  autostart_said="on (switch it off in Workdiary's Settings)"
else
  # An update, and no entry: the user switched autostart off in the app's settings.
  autostart_said="kept off, as it was (switch it on in Workdiary's Settings)"
fi

make_dir "$bin_dir"
ln -sfn "$program" "$link"
printf 'link %s\n' "$link" >>"$work/installed"

# --- The manifest, then the program swapped in ---------------------------------------------
{
  printf '# What install.sh installed for %s; uninstall.sh removes exactly this.\n' "$(id -un)"
  printf 'program %s\n' "$app_dir"
  cat "$work/installed"
  if [ "$update" = yes ]; then
    # The folders the first install created, where they still are, are still its own.
    grep '^dir ' "$manifest" | while IFS= read -r line; do
      [ ! -d "${line#dir }" ] || printf '%s\n' "$line"
    done
  fi
  cat "$work/created"
} >"$staging/install-manifest"
if [ "$update" = yes ]; then
  # Files of the earlier version this one no longer installs.
  grep '^file ' "$manifest" | while IFS= read -r line; do
    grep -qxF -- "$line" "$staging/install-manifest" || rm -f -- "${line#file }"
  done
  mv -- "$app_dir" "$replaced"
fi
mv -- "$staging" "$app_dir"
rm -rf "$replaced"

# Caches: refreshed where the desktop keeps one, never created (a cache made here would be left
# behind by uninstall.sh, and a stale one hides icons installed later).
if [ -f "$menu_dir/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$menu_dir" || echo "update-desktop-database failed (ignored)."
fi
if [ -f "$icon_dir/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -f -t "$icon_dir" || echo "gtk-update-icon-cache failed (ignored)."
fi
touch "$icon_dir" # the icon theme's folder changed: desktops look again

# --- What was done ---------------------------------------------------------------------------
if [ "$update" = yes ]; then done_word="Updated"; else done_word="Installed"; fi
cat <<EOF
$done_word $version for $(id -un):
  program    $app_dir
  command    $link
  menu entry $menu_entry
  icons      $icon_dir/{$(echo "$icon_sizes" | sed 's/\([0-9]*\)/\1x\1/g; s/ /,/g')}/apps/workdiary.png
  autostart  $autostart_entry: $autostart_said
  manifest   $manifest
EOF
if [ -e "$data_dir" ]; then
  echo "Your data in $data_dir was not touched."
fi
case ":${PATH:-}:" in
  *":$bin_dir:"* | *":$bin_dir/:"*)
    found=$(command -v workdiary || true)
    if [ "$found" != "$link" ]; then
      echo "Note: typing workdiary runs $found, which comes before $link on your PATH: remove"
      echo "that one, or start this one from the applications menu or as $link."
    else
      echo "Start it from the applications menu, or with: workdiary"
    fi
    ;;
  *)
    echo "$bin_dir is not on your PATH yet: start Workdiary from the applications menu, or"
    echo "as $link. Most desktops add $bin_dir to PATH at your next login now that it"
    echo "exists; if yours does not, add this line to ~/.profile:"
    echo "  PATH=\"\$HOME/.local/bin:\$PATH\""
    ;;
esac
echo "To remove it: $app_dir/uninstall.sh (keeps the data dir unless you add --remove-data)"
