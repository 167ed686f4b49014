namespace DepthPlugins.Cli;

/// <summary>Progress on stderr: a redrawn bar on a terminal, nothing when stderr is not a terminal or with --quiet.</summary>
sealed class ProgressBar(string label, bool enabled)
{
    int _lastPermille = -1;
    string? _lastDetail;

    public static ProgressBar For(string label, ParsedArgs args) =>
        new(label, !args.Flag("quiet") && !Console.IsErrorRedirected);

    /// <summary>The callback handed to the engine: never cancels.</summary>
    public bool Report(float fraction) => Report(fraction, null);

    /// <summary>Redraws the bar, with <paramref name="detail"/> (what runs now) after it.</summary>
    public bool Report(float fraction, string? detail)
    {
        if (!enabled) return true;
        int permille = (int)(fraction * 1000);
        if (permille == _lastPermille && detail == _lastDetail) return true;
        _lastPermille = permille;
        _lastDetail = detail;
        const int width = 30;
        int filled = (int)(fraction * width);
        string tail = detail == null ? "" : $" {detail}\u001b[K";
        Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:0.0}%{tail}");
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
