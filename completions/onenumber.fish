# fish completion for onenumber (generated; see scripts/regenerate.py)
function _onenumber_completion
    set -l response (env _ONENUMBER_COMPLETE=complete_fish \
        _TYPER_COMPLETE_ARGS=(commandline -cp) onenumber 2>/dev/null)
    for line in $response
        if test "$line" = ":files"
            __fish_complete_path (commandline -ct)
        else
            printf '%s\n' $line
        end
    end
end

complete --command onenumber --no-files --arguments '(_onenumber_completion)'

