"""``crmctl completion bash|zsh|fish``: the script that makes Tab complete crmctl.

Each script calls ``crmctl`` itself with ``_CRMCTL_COMPLETE`` set and the words up to the
cursor; ``crmctl.__main__`` answers from ``crmctl.completion`` without importing the CLI.
"""

from typing import Annotated

import typer

from crmctl.cli.console import console
from crmctl.errors import UsageError

ENV = "_CRMCTL_COMPLETE"

BASH = r"""# crmctl completion for bash: `source <(crmctl completion bash)` in ~/.bashrc
_crmctl_complete() {
    local IFS=$'\n' candidates
    candidates=$(_CRMCTL_COMPLETE=bash "${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:COMP_CWORD}" \
        2>/dev/null)
    if [[ "$candidates" == ":files" ]]; then
        COMPREPLY=($(compgen -f -- "${COMP_WORDS[COMP_CWORD]}"))
    elif [[ -n "$candidates" ]]; then
        COMPREPLY=($candidates)
    else
        COMPREPLY=()
    fi
    return 0
}
complete -F _crmctl_complete crmctl
"""

ZSH = r"""#compdef crmctl
# crmctl completion for zsh: `source <(crmctl completion zsh)` in ~/.zshrc (after compinit)
_crmctl() {
    local output
    output=$(_CRMCTL_COMPLETE=zsh "${words[1]}" "${(@)words[2,CURRENT]}" 2>/dev/null)
    [[ -n "$output" ]] || return 1
    if [[ "$output" == ":files" ]]; then
        _files
        return
    fi
    local -a candidates
    candidates=("${(@f)output}")
    compadd -Q -- "${candidates[@]}"
}
compdef _crmctl crmctl
"""

FISH = r"""# crmctl completion for fish:
#   crmctl completion fish > ~/.config/fish/completions/crmctl.fish
function __crmctl_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l output (env _CRMCTL_COMPLETE=fish crmctl $words "$current" 2>/dev/null)
    if test "$output" = ":files"
        __fish_complete_path "$current"
        return
    end
    printf '%s\n' $output
end
complete -c crmctl -f -a '(__crmctl_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish) to source."""
    script = SCRIPTS.get(shell)
    if script is None:
        raise UsageError(f"unknown shell {shell!r}; choose bash, zsh or fish")
    console().write(script)
