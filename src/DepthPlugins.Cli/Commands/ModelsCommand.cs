using DepthPlugins.Inference;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins models list|verify</c>: the manifest of known depth models and checksum verification.</summary>
sealed class ModelsCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "models",
        "list well-known depth models, or verify a model file against the manifest",
        [new("action", "list|verify"), new("path", "the model file to verify", Optional: true)],
        [],
        Details: $"Model directory: {ModelCatalog.ModelDirectory} (put files there under the names 'list' shows to use --model NAME).");

    public int Run(ParsedArgs args)
    {
        switch (args.Positionals[0])
        {
            case "list":
                if (args.Positionals.Count > 1) throw new UsageException("'models list' takes no path");
                foreach (var m in ModelCatalog.Models)
                {
                    string file = Path.Combine(ModelCatalog.ModelDirectory, m.FileName);
                    string state = File.Exists(file) ? "installed" : "not installed";
                    Console.Out.WriteLine($"{m.Name}  [{m.Family}, {m.Licence}, {m.Size}, {state}]");
                    Console.Out.WriteLine($"    {m.Notes}");
                    Console.Out.WriteLine($"    url:    {m.Url}");
                    Console.Out.WriteLine($"    sha256: {(m.Sha256.Length > 0 ? m.Sha256 : "(none published)")}");
                    Console.Out.WriteLine($"    file:   {file}");
                }
                return 0;
            case "verify":
                if (args.Positionals.Count != 2) throw new UsageException("'models verify' needs the model file's path");
                var (result, model, sha) = ModelCatalog.Verify(args.Positionals[1]);
                Console.Out.WriteLine($"sha256: {sha}");
                switch (result)
                {
                    case VerifyResult.Verified:
                        Console.Out.WriteLine($"verified: this is {model!.Name} ({model.Licence})");
                        return 0;
                    case VerifyResult.NoPublishedChecksum:
                        Console.Out.WriteLine($"named like {model!.Name}, but no published checksum is known: cannot verify");
                        return 0;
                    case VerifyResult.Mismatch:
                        Console.Error.WriteLine($"depthplugins: error: models: checksum differs from the published one for {model!.Name} (corrupt or a different file)");
                        return 1;
                    default:
                        Console.Out.WriteLine("not a model in the manifest (it can still be used by path)");
                        return 0;
                }
            default:
                throw new UsageException($"unknown action '{args.Positionals[0]}' (use list or verify)");
        }
    }
}
