# SPDX-License-Identifier: GPL-2.0-only
# bash completion for utrace and its busybox names.
#
# Tools and options come from the binary itself (`utrace list`, `utrace
# TOOL --help`), so a new tool is completed without editing this file.

_utrace_tool_options()
{
	"$1" "$2" --help 2>/dev/null |
		grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | sed 's/^[ ,]*//' |
		sort -u
}

_utrace()
{
	local cur prev exe tool i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	exe=${COMP_WORDS[0]}

	case ${exe##*/} in
	utrace)
		if [[ $COMP_CWORD -eq 1 ]]; then
			COMPREPLY=($(compgen -W "$("$exe" list 2>/dev/null |
				awk '{print $1}') list help --help --version" -- "$cur"))
			return
		fi
		tool=${COMP_WORDS[1]}
		;;
	*)
		tool=--self
		;;
	esac

	case $prev in
	-p|--pid)
		COMPREPLY=($(compgen -W "$(cd /proc && printf '%s\n' [0-9]*)" -- "$cur"))
		return ;;
	-s|--shell|--shared|-l|--libc)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-d|--duration|-c|--count|-i|--interval|-m|--min-ms|--buffer)
		return ;;
	esac
	if [[ $tool == help ]]; then
		COMPREPLY=($(compgen -W "$("$exe" list 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		if [[ $tool == --self ]]; then
			COMPREPLY=($(compgen -W "$("$exe" --help 2>/dev/null |
				grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z]*' |
				sed 's/^[ ,]*//' | sort -u)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_utrace_tool_options "$exe" "$tool")" -- "$cur"))
		fi
	fi
}
complete -F _utrace utrace bashreadline gethostlatency
