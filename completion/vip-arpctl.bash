# bash completion for vip-arpctl(8): commands, options, and the group names
# and VIPs of the running daemon (asked with `vip-arpctl --json vips`, so
# completion of names works for members of group vip-arpd, as vip-arpctl does).

# _vip_arpctl_ask WHAT SOCKETARGS...: prints the daemon's group names
# (WHAT=groups) or VIPs (WHAT=vips), one a line; nothing when it is unreachable.
_vip_arpctl_ask() {
	local what=$1 json
	shift
	json=$(vip-arpctl "$@" --json --timeout 1000 vips 2>/dev/null) || return 0
	case $what in
	groups) grep -oE '"name":"[^"]+"' <<<"$json" | sed 's/^"name":"//; s/"$//' ;;
	vips) grep -oE '"([0-9]{1,3}\.){3}[0-9]{1,3}"' <<<"$json" | tr -d '"' ;;
	esac
}

_vip_arpctl() {
	local cur prev words cword
	_init_completion || return

	local commands='status vips role takeover release fault garp announce notify reload doctor probe conflicts metrics log-level help'
	local options='--socket --json --timeout --help'

	# The daemon to ask is the one the command line names.
	local -a sock=()
	local i cmd='' cmd_at=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-s | --socket) sock=(--socket "${words[i + 1]}"); ((i++)) ;;
		-t | --timeout) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; cmd_at=$i; break ;;
		esac
	done

	case $prev in
	-s | --socket) _filedir; return ;;
	-t | --timeout | --window | --limit) return ;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		fi
		return
	fi

	local nth=$((cword - cmd_at))
	case $cmd in
	vips | role | takeover | release | fault)
		((nth == 1)) && mapfile -t COMPREPLY < <(compgen -W "$(_vip_arpctl_ask groups "${sock[@]}")" -- "$cur")
		;;
	garp | announce | probe)
		if ((nth == 1)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_vip_arpctl_ask groups "${sock[@]}") $(_vip_arpctl_ask vips "${sock[@]}")" -- "$cur")
		elif [[ $cmd == probe ]]; then
			mapfile -t COMPREPLY < <(compgen -W '--window' -- "$cur")
		fi
		;;
	notify)
		case $nth in
		1) mapfile -t COMPREPLY < <(compgen -W 'INSTANCE GROUP' -- "$cur") ;;
		3) mapfile -t COMPREPLY < <(compgen -W 'MASTER BACKUP FAULT STOP DELETED' -- "$cur") ;;
		esac
		;;
	conflicts) mapfile -t COMPREPLY < <(compgen -W '--limit --clear' -- "$cur") ;;
	log-level)
		((nth == 1)) && mapfile -t COMPREPLY < <(compgen -W 'fatal error warn info debug trace silent' -- "$cur")
		;;
	esac
} && complete -F _vip_arpctl vip-arpctl
