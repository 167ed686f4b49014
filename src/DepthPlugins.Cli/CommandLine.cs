using System.Globalization;
using System.Text;

namespace DepthPlugins.Cli;

/// <summary>A wrong command line: reported as one line with exit code 2.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>One option: <c>--name VALUE</c>, or a flag when <see cref="Value"/> is null. Choices print as a|b|c.</summary>
sealed record OptionSpec(string Name, string? Value, string Help, string[]? Choices = null, string? Default = null);

sealed record PositionalSpec(string Name, string Help, bool Optional = false);

/// <summary>What a subcommand accepts; renders its own --help.</summary>
sealed record CommandSpec(string Name, string Summary, PositionalSpec[] Positionals, OptionSpec[] Options, string? Details = null)
{
    /// <summary>Options every command has.</summary>
    public static readonly OptionSpec[] Common =
    [
        new("quiet", null, "no progress output on stderr"),
        new("help", null, "show this help"),
    ];

    /// <summary>Options of commands that compute.</summary>
    public static readonly OptionSpec[] Compute =
    [
        new("backend", "B", "compute backend", ["auto", "cpu", "vulkan"], "auto"),
        new("threads", "N", "CPU worker threads, 0 = all cores", null, "0"),
    ];

    public IEnumerable<OptionSpec> AllOptions => Options.Concat(Common);

    public string Help()
    {
        var sb = new StringBuilder();
        sb.Append("usage: depthplugins ").Append(Name);
        foreach (var p in Positionals) sb.Append(p.Optional ? $" [{p.Name}]" : $" <{p.Name}>");
        if (Options.Length > 0) sb.Append(" [options]");
        sb.AppendLine().AppendLine().AppendLine(Summary);
        if (Details != null) sb.AppendLine().AppendLine(Details);
        if (Positionals.Length > 0)
        {
            sb.AppendLine().AppendLine("arguments:");
            foreach (var p in Positionals) sb.AppendLine($"  {p.Name,-28}{p.Help}");
        }
        sb.AppendLine().AppendLine("options:");
        foreach (var o in AllOptions)
        {
            string left = o.Value == null ? $"--{o.Name}" : $"--{o.Name} {(o.Choices != null ? string.Join('|', o.Choices) : o.Value)}";
            string right = o.Help + (o.Default != null ? $" (default: {o.Default})" : "");
            sb.AppendLine(left.Length < 28 ? $"  {left,-28}{right}" : $"  {left}\n  {"",-28}{right}");
        }
        return sb.ToString();
    }

    public ParsedArgs Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        var positionals = new List<string>();
        var byName = AllOptions.ToDictionary(o => o.Name);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "-h") a = "--help";
            if (a == "-o") a = "--output";
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? inline = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
                if (!byName.TryGetValue(name, out var spec)) throw new UsageException($"unknown option --{name} (see depthplugins {Name} --help)");
                if (spec.Value == null)
                {
                    if (inline != null) throw new UsageException($"--{name} takes no value");
                    flags.Add(name);
                    continue;
                }
                string v = inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"--{name} needs a value ({spec.Value})"));
                if (spec.Choices != null && !spec.Choices.Contains(v))
                    throw new UsageException($"--{name} must be one of {string.Join('|', spec.Choices)}, not '{v}'");
                values[name] = v;
            }
            else positionals.Add(a);
        }
        if (flags.Contains("help")) return new ParsedArgs(this, values, flags, positionals);
        int required = Positionals.Count(p => !p.Optional);
        if (positionals.Count < required || positionals.Count > Positionals.Length)
            throw new UsageException(positionals.Count < required
                ? $"missing <{Positionals[positionals.Count].Name}> (see depthplugins {Name} --help)"
                : $"unexpected argument '{positionals[Positionals.Length]}' (see depthplugins {Name} --help)");
        return new ParsedArgs(this, values, flags, positionals);
    }
}

/// <summary>Parsed values with typed, validated accessors (a bad number is a usage error naming the option).</summary>
sealed class ParsedArgs(CommandSpec spec, Dictionary<string, string> values, HashSet<string> flags, List<string> positionals)
{
    public CommandSpec Spec => spec;
    public IReadOnlyList<string> Positionals => positionals;
    public bool Flag(string name) => flags.Contains(name);
    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) =>
        values.TryGetValue(name, out var v) ? v : spec.AllOptions.FirstOrDefault(o => o.Name == name)?.Default;

    public string Require(string name) => Get(name) ?? throw new UsageException($"--{name} is required (see depthplugins {spec.Name} --help)");

    public int Int(string name, int fallback = 0)
    {
        var v = Get(name);
        if (v == null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) ? r : throw new UsageException($"--{name} expects an integer, not '{v}'");
    }

    public float Float(string name, float fallback = 0)
    {
        var v = Get(name);
        if (v == null) return fallback;
        return float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float r) && float.IsFinite(r)
            ? r : throw new UsageException($"--{name} expects a number, not '{v}'");
    }

    /// <summary>Parses "a,b" into two numbers (e.g. --focus-at x,y).</summary>
    public (float, float)? Pair(string name)
    {
        var v = Get(name);
        if (v == null) return null;
        var parts = v.Split(',');
        if (parts.Length == 2
            && float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float a)
            && float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float b))
            return (a, b);
        throw new UsageException($"--{name} expects two numbers as x,y, not '{v}'");
    }
}
