#!/bin/sh
# Removes Workdiary as install.sh installed it for the current user: exactly what its manifest
# (~/.local/lib/workdiary/install-manifest) lists, and the autostart entry whether or not it was
# switched off since. The data dir ($XDG_DATA_HOME/workdiary) stays unless --remove-data is
# given. Can run from anywhere (the installed copy is ~/.local/lib/workdiary/uninstall.sh).
# Usage: uninstall.sh [--remove-data]
set -eu
LC_ALL=C
export LC_ALL

usage="Usage: $0 [--remove-data]
Removes Workdiary as install.sh installed it for $(id -un), and keeps its data dir.
  --remove-data  also delete the data dir: the diary, its screenshots, settings, signed
                 records and log, and the marketplace data kept on this computer"

refuse() {
  printf 'uninstall.sh: %s\n' "$*" >&2
  exit 1
}

remove_data=no
for option in "$@"; do
  case $option in
    --remove-data) remove_data=yes ;;
    -h | --help)
      printf '%s\n' "$usage"
      exit 0
      ;;
    *) refuse "unknown option $option
$usage" ;;
  esac
done

# The same places as install.sh's.
case ${HOME:-} in
  /*) ;;
  *) refuse "HOME is not set to an absolute path: Workdiary was installed in a home folder." ;;
esac
data_home=${XDG_DATA_HOME:-}
case $data_home in /*) ;; *) data_home=$HOME/.local/share ;; esac
config_home=${XDG_CONFIG_HOME:-}
case $config_home in /*) ;; *) config_home=$HOME/.config ;; esac
app_dir=$HOME/.local/lib/workdiary
program=$app_dir/workdiary
manifest=$app_dir/install-manifest
menu_dir=$data_home/applications
icon_dir=$data_home/icons/hicolor
autostart_entry=$config_home/autostart/workdiary.desktop
data_dir=$data_home/workdiary

# The data dir: deleted only when asked, and said either way.
data_dir_said() {
  if [ "$remove_data" = yes ]; then
    if [ -e "$data_dir" ] || [ -L "$data_dir" ]; then
      rm -rf -- "$data_dir"
      echo "Deleted the data dir $data_dir (the diary, screenshots, settings, signed records,"
      echo "log and the marketplace data kept on this computer)."
      echo "The system keyring keeps Workdiary's entries (service workdiary: the device key"
      echo "that signed your diary, and your marketplace sign-in): remove them with your"
      echo "keyring's tool (for example Passwords and Keys) if you no longer need them."
    else
      echo "There is no data dir at $data_dir: nothing to delete."
    fi
  elif [ -e "$data_dir" ]; then
    echo "Kept the data dir $data_dir (your diary, screenshots and settings)."
    echo "To delete it too: rm -rf '$data_dir'"
  fi
  if [ -n "${WORKDIARY_DATA_DIR:-}" ]; then
    echo "WORKDIARY_DATA_DIR names a data dir of its own, $WORKDIARY_DATA_DIR: it is left as it is."
  fi
}

if [ ! -f "$manifest" ]; then
  if [ "$remove_data" = yes ]; then
    echo "Workdiary is not installed for $(id -un) (no $manifest)."
    data_dir_said
    exit 0
  fi
  refuse "Workdiary is not installed for $(id -un): there is no $manifest. Nothing was removed."
fi

# Every line is checked before anything is removed: the manifest may name only what
# install.sh installs, and its program folder only here.
while IFS= read -r line; do
  case $line in
    '' | '#'*) ;;
    "program $app_dir") ;;
    program\ *) refuse "$manifest names another program folder (${line#program }): it is not
this installer's manifest. Nothing was removed." ;;
    file\ /* | link\ /* | autostart\ /* | dir\ /*) ;;
    *) refuse "$manifest holds a line this uninstaller does not know ($line). Nothing was
removed." ;;
  esac
done <"$manifest"

pids=""
for exe in /proc/[0-9]*/exe; do
  target=$(readlink "$exe" 2>/dev/null) || continue
  case $target in
    "$program" | "$program (deleted)")
      pid=${exe#/proc/}
      pids="$pids${pid%/exe} "
      ;;
  esac
done
pids=${pids% }
[ -z "$pids" ] || refuse "Workdiary is running (pid $pids): quit it first (its tray menu's Quit,
or: $program --quit), then run uninstall.sh again. Nothing was removed."

# The manifest is read once more into memory: it goes with the program's folder.
listed=$(cat "$manifest")
echo "Removing Workdiary for $(id -un):"
printf '%s\n' "$listed" | while IFS= read -r line; do
  path=${line#* }
  case $line in
    file\ * | autostart\ *)
      if [ -e "$path" ] || [ -L "$path" ]; then
        rm -f -- "$path"
        echo "  removed $path"
      fi
      ;;
    link\ *)
      if [ -L "$path" ] && [ "$(readlink "$path")" = "$program" ]; then
        rm -f -- "$path"
        echo "  removed $path"
      elif [ -e "$path" ] || [ -L "$path" ]; then
        echo "  kept $path: it is no longer Workdiary's link"
      fi
      ;;
  esac
done
# Whether or not the user switched it off or on since: the autostart entry runs this program.
if [ -e "$autostart_entry" ] || [ -L "$autostart_entry" ]; then
  rm -f -- "$autostart_entry"
  echo "  removed $autostart_entry"
fi
rm -rf -- "$app_dir"
echo "  removed $app_dir"
# The folders install.sh created, innermost first, where nothing else is in them now.
printf '%s\n' "$listed" | sed -n 's/^dir //p' | sed -n '1!G;h;$p' | while IFS= read -r dir; do
  rmdir -- "$dir" 2>/dev/null || true
done

# Caches the desktop keeps: refreshed, never created.
if [ -f "$menu_dir/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$menu_dir" || echo "update-desktop-database failed (ignored)."
fi
if [ -f "$icon_dir/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -f -t "$icon_dir" || echo "gtk-update-icon-cache failed (ignored)."
fi
[ ! -d "$icon_dir" ] || touch "$icon_dir"
data_dir_said
