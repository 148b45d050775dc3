# bash completion for onenumber (generated; see scripts/regenerate.py)
_onenumber_completion() {
    local IFS=$'\n' line
    local -a response
    response=( $(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \
                 COMP_LINE="${COMP_LINE:0:$COMP_POINT}" \
                 _ONENUMBER_COMPLETE=complete_bash "$1" 2>/dev/null) )
    COMPREPLY=()
    for line in "${response[@]}"; do
        if [[ $line == ':files' ]]; then
            compopt -o default
        else
            COMPREPLY+=("$line")
        fi
    done
    return 0
}

complete -F _onenumber_completion onenumber

