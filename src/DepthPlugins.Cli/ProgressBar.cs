namespace DepthPlugins.Cli;

/// <summary>Progress on stderr: a redrawn bar on a terminal, nothing when stderr is not a terminal or with --quiet.</summary>
sealed class ProgressBar(string label, bool enabled)
{
    int _lastPermille = -1;

    public static ProgressBar For(string label, ParsedArgs args) =>
        new(label, !args.Flag("quiet") && !Console.IsErrorRedirected);

    /// <summary>The callback handed to the engine: never cancels.</summary>
    public bool Report(float fraction)
    {
        if (!enabled) return true;
        int permille = (int)(fraction * 1000);
        if (permille == _lastPermille) return true;
        _lastPermille = permille;
        const int width = 30;
        int filled = (int)(fraction * width);
        Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:0.0}%");
        return true;
    }

    public void Done()
    {
        if (enabled && _lastPermille >= 0) ClearLine();
    }

    public static void ClearLine()
    {
        if (!Console.IsErrorRedirected) Console.Error.Write("\r\u001b[K");
    }
}
