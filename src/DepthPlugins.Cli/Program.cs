using DepthPlugins.Cli;
using DepthPlugins.Cli.Commands;
using DepthPlugins.Core;
using DepthPlugins.ImageIO;

// Every subcommand, in the order `depthplugins --help` lists them.
ICommand[] commands =
[
    new InfoCommand(),
    new RefineCommand(),
    new LensBlurCommand(),
    new EvalCommand(),
    new DepthCommand(),
    new ModelsCommand(),
    new SampleSceneCommand(),
];

return Cli.Run(commands, args);

namespace DepthPlugins.Cli
{
    /// <summary>A subcommand: its spec (for parsing and --help) and its action. Returns the process exit code.</summary>
    interface ICommand
    {
        CommandSpec Spec { get; }
        int Run(ParsedArgs args);
    }

    static class Cli
    {
        /// <summary>Dispatches and turns every failure into one line on stderr: 2 for usage, 1 for anything else.</summary>
        public static int Run(ICommand[] commands, string[] args)
        {
            if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
            {
                Console.Out.Write(TopHelp(commands));
                return args.Length == 0 ? 2 : 0;
            }
            if (args[0] == "--version")
            {
                Console.Out.WriteLine(Version.Text);
                return 0;
            }
            var cmd = commands.FirstOrDefault(c => c.Spec.Name == args[0]);
            if (cmd == null) return Fail(2, $"unknown command '{args[0]}' (see depthplugins --help)");
            try
            {
                var parsed = cmd.Spec.Parse(args[1..]);
                if (parsed.Flag("help"))
                {
                    Console.Out.Write(cmd.Spec.Help());
                    return 0;
                }
                return cmd.Run(parsed);
            }
            catch (UsageException e) { return Fail(2, $"{cmd.Spec.Name}: {e.Message}"); }
            catch (DpException e) { return Fail(1, $"{cmd.Spec.Name}: {e.Message}"); }
            catch (ImageFileException e) { return Fail(1, $"{cmd.Spec.Name}: {e.Message}"); }
            catch (IOException e) { return Fail(1, $"{cmd.Spec.Name}: {e.Message}"); }
            catch (UnauthorizedAccessException e) { return Fail(1, $"{cmd.Spec.Name}: {e.Message}"); }
            catch (OutOfMemoryException) { return Fail(1, $"{cmd.Spec.Name}: out of memory (is the image too large?)"); }
            catch (Exception e) { return Fail(1, $"{cmd.Spec.Name}: internal error ({e.GetType().Name}): {e.Message}"); }
        }

        static int Fail(int code, string message)
        {
            ProgressBar.ClearLine();
            Console.Error.WriteLine($"depthplugins: error: {message}");
            return code;
        }

        static string TopHelp(ICommand[] commands)
        {
            var lines = commands.Select(c => $"  {c.Spec.Name,-14}{c.Spec.Summary}");
            return $"""
                usage: depthplugins <command> [options]

                Depth refinement, lens blur and depth generation for images.

                commands:
                {string.Join('\n', lines)}

                Run 'depthplugins <command> --help' for a command's options.

                """;
        }
    }

    static class Version
    {
        public const string Text = "depthplugins 0.1.0";
    }
}
