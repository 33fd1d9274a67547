// `csharg completion bash|zsh`: a completion script built from the command definitions (commands,
// their flags), completing target names by calling `csharg list -o name` with the connection
// flags already typed (--host, --local, --token, -k, --request-timeout).
import type { Command } from 'commander';

export type Shell = 'bash' | 'zsh';

interface CommandInfo {
  /** path of command names, e.g. `capture pod` */
  path: string;
  names: string[];
  flags: string[];
  /** flags that take a value (their next word is not completed as a target) */
  valueFlags: string[];
}

function flagsOf(cmd: Command): { flags: string[]; valueFlags: string[] } {
  const flags: string[] = [];
  const valueFlags: string[] = [];
  for (const o of cmd.options) {
    const spellings = [o.short, o.long].filter((s): s is string => s !== undefined);
    flags.push(...spellings);
    if (o.required || o.optional) valueFlags.push(...spellings);
  }
  flags.push('--help');
  return { flags, valueFlags };
}

function walk(cmd: Command, prefix: string, out: CommandInfo[]): void {
  for (const sub of cmd.commands) {
    const path = prefix === '' ? sub.name() : `${prefix} ${sub.name()}`;
    out.push({ path, names: [sub.name(), ...sub.aliases()], ...flagsOf(sub) });
    walk(sub, path, out);
  }
}

/** Words quoted for a single-quoted shell string. */
function words(list: readonly string[]): string {
  return `'${list.join(' ').replace(/'/g, `'\\''`)}'`;
}

const CONNECTION_VALUE_FLAGS = ['--host', '--token', '--request-timeout', '--kubeconfig', '--context', '--edgeshark-service'];
const CONNECTION_SWITCHES = ['--local', '-k', '--insecure'];

export function completionScript(program: Command, shell: Shell): string {
  const commands: CommandInfo[] = [];
  walk(program, '', commands);
  const global = flagsOf(program);
  const allValueFlags = [...new Set([...global.valueFlags, ...commands.flatMap((c) => c.valueFlags)])];
  const top = commands.filter((c) => !c.path.includes(' ')).flatMap((c) => c.names);
  const flagCases = commands
    .map((c) => `    ${caseLabel(c)}) flags="$flags "${words(c.flags)} ;;`)
    .join('\n');
  const captureSubs = commands.filter((c) => c.path.startsWith('capture ')).map((c) => c.path.slice('capture '.length));
  const common = {
    globalFlags: words(global.flags),
    valueFlags: allValueFlags.join('|'),
    connValue: CONNECTION_VALUE_FLAGS.join('|'),
    connSwitch: CONNECTION_SWITCHES.join('|'),
    top: words(top),
    subs: words(captureSubs),
    flagCases,
  };
  return shell === 'bash' ? bashScript(common) : zshScript(common);
}

function caseLabel(c: CommandInfo): string {
  if (c.path.includes(' ')) return `'${c.path}'`;
  return c.names.map((n) => `'${n}'`).join('|');
}

interface ScriptParts {
  globalFlags: string;
  valueFlags: string;
  connValue: string;
  connSwitch: string;
  top: string;
  subs: string;
  flagCases: string;
}

/** The shell code both scripts share: find the command, collect connection flags. */
function scanWords(first: string, last: string, word: (i: string) => string, p: ScriptParts): string {
  return `  local cmd="" i w flags=${p.globalFlags} top=${p.top} subs=${p.subs}
  local -a conn
  for ((i=${first}; i<${last}; i++)); do
    w=${word('i')}
    case "$w" in
      ${p.connValue}) conn+=("$w" ${word('i+1')}); ((i++)); continue ;;
      ${p.connSwitch}) conn+=("$w"); continue ;;
      ${p.valueFlags}) ((i++)); continue ;;
      -*) continue ;;
    esac
    if [[ -z "$cmd" ]]; then cmd="$w"
    elif [[ "$cmd" == capture && " $subs " == *" $w "* ]]; then cmd="capture $w"
    else break
    fi
  done
  case "$cmd" in
${p.flagCases}
  esac`;
}

function bashScript(p: ScriptParts): string {
  return `# bash completion for csharg; load with: source <(csharg completion bash)
_csharg() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
${scanWords('1', 'COMP_CWORD', (i) => `"\${COMP_WORDS[${i}]}"`, p)}
  case "$prev" in
    -w|--write) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -W 'json yaml wide name custom-columns= jsonpath=' -- "$cur")); compopt -o nospace; return ;;
    ${p.valueFlags}) return ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi
  local candidates=""
  case "$cmd" in
    "") candidates="$top" ;;
    list|ps) candidates='pods containers networks' ;;
    completion) candidates='bash zsh' ;;
    packets) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    capture|"capture pod"|"capture container"|"capture network")
      local group=""
      case "$cmd" in "capture pod") group=pods ;; "capture container") group=containers ;; "capture network") group=networks ;; *) candidates="$subs" ;; esac
      candidates="$candidates $(csharg "\${conn[@]}" list $group -o name 2>/dev/null)" ;;
  esac
  local IFS=$'\\n' c
  COMPREPLY=()
  for c in $(IFS=$' \\t\\n'; compgen -W "$candidates" -- "$cur"); do COMPREPLY+=("$(printf '%q' "$c")"); done
}
complete -F _csharg csharg
`;
}

function zshScript(p: ScriptParts): string {
  return `#compdef csharg
# zsh completion for csharg; load with: source <(csharg completion zsh)
_csharg() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
${scanWords('2', 'CURRENT', (i) => `"\${words[${i}]}"`, p)}
  case "$prev" in
    -w|--write) _files; return ;;
    -o|--output) compadd -S '' -- json yaml wide name custom-columns= jsonpath=; return ;;
    ${p.valueFlags}) return ;;
  esac
  if [[ "$cur" == -* ]]; then compadd -- \${=flags}; return; fi
  case "$cmd" in
    "") compadd -- \${=top} ;;
    list|ps) compadd -- pods containers networks ;;
    completion) compadd -- bash zsh ;;
    packets) _files ;;
    capture|"capture pod"|"capture container"|"capture network")
      local group=""
      case "$cmd" in "capture pod") group=pods ;; "capture container") group=containers ;; "capture network") group=networks ;; *) compadd -- \${=subs} ;; esac
      compadd -- \${(f)"$(csharg "\${conn[@]}" list $group -o name 2>/dev/null)"} ;;
  esac
}
compdef _csharg csharg
`;
}

export function parseShell(text: string): Shell {
  if (text === 'bash' || text === 'zsh') return text;
  throw new Error(`unsupported shell "${text}": use bash or zsh`);
}
