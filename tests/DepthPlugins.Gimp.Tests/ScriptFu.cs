using System.Text;
using System.Text.RegularExpressions;

namespace DepthPlugins.Gimp.Tests;

/// <summary>
/// Builds one Script-Fu program that runs named cases, each in its own error handler, and reports through
/// gimp-message (console handler) lines the tests parse:
///   DP-CASE name ok|failed      whether the case ran to its end
///   DP-ERROR name: message      an error inside the case (a PDB execution error carries the plug-in's message)
///   DP-INFO name: text          values the case prints (layer names, counts, sizes)
/// The GIMP 2.10 and 3.0 dialects differ in file load/save, layer lists and precision names; the calls of our
/// procedures are identical in both (the same arguments in the same order).
/// </summary>
sealed record ScriptFu(bool Gimp3)
{
    readonly StringBuilder _body = new();

    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    string Prelude => $$"""
        (gimp-message-set-handler CONSOLE)
        (define dp-current "")
        (define dp-old-hook *error-hook*)
        (set! *error-hook*
          (lambda args
            (gimp-message (string-append "DP-ERROR " dp-current ": " (if (string? (car args)) (car args) "(non-string error)")))
            (apply dp-old-hook args)))
        (define (dp-case name thunk)
          (set! dp-current name)
          (gimp-message (string-append "DP-CASE " name (if (catch #f (begin (thunk) #t)) " ok" " failed"))))
        (define (dp-info text) (gimp-message (string-append "DP-INFO " dp-current ": " text)))
        (define (dp-load path) {{(Gimp3 ? "(car (gimp-file-load RUN-NONINTERACTIVE path))" : "(car (gimp-file-load RUN-NONINTERACTIVE path path))")}})
        (define (dp-layers img) {{(Gimp3 ? "(vector->list (car (gimp-image-get-layers img)))" : "(vector->list (cadr (gimp-image-get-layers img)))")}})
        (define (dp-layer img i) (list-ref (dp-layers img) i))
        (define (dp-load-layer img path)
          (let ((layer (car (gimp-file-load-layer RUN-NONINTERACTIVE img path))))
            (gimp-image-insert-layer img layer 0 0)
            layer))
        (define (dp-save-only img layer path)
          (for-each (lambda (l) (if (not (= l layer)) (gimp-image-remove-layer img l))) (dp-layers img))
          {{(Gimp3 ? "(gimp-file-save RUN-NONINTERACTIVE img path -1)" : "(gimp-file-save RUN-NONINTERACTIVE img layer path path)")}})
        (define (dp-to-float img) (gimp-image-convert-precision img {{(Gimp3 ? "PRECISION-FLOAT-NON-LINEAR" : "PRECISION-FLOAT-GAMMA")}}))
        (define (dp-to-u16 img) (gimp-image-convert-precision img {{(Gimp3 ? "PRECISION-U16-NON-LINEAR" : "PRECISION-U16-GAMMA")}}))
        (define (dp-to-indexed img)
          (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE ""))
        (define (dp-num n) (number->string n))
        (define (dp-size d)
          (string-append (dp-num (car ({{(Gimp3 ? "gimp-drawable-get-width" : "gimp-drawable-width")}} d))) "x"
                         (dp-num (car ({{(Gimp3 ? "gimp-drawable-get-height" : "gimp-drawable-height")}} d)))))
        (define (dp-offsets d)
          (let ((o ({{(Gimp3 ? "gimp-drawable-get-offsets" : "gimp-drawable-offsets")}} d))) (string-append (dp-num (car o)) "," (dp-num (cadr o)))))

        """;

    /// <summary>Adds a case; <paramref name="body"/> is Script-Fu run inside (lambda () ...).</summary>
    public ScriptFu Case(string name, string body)
    {
        _body.Append($"(dp-case {Quote(name)} (lambda () {body}))\n");
        return this;
    }

    public string Build() => "(begin\n" + Prelude + _body + "(gimp-message \"DP-DONE\"))";

    /// <summary>What GIMP printed, by case.</summary>
    public sealed record Report(string Output)
    {
        static readonly Regex Line = new(@"DP-(CASE|ERROR|INFO) ([\w-]+)(?::)? (.*)$", RegexOptions.Multiline);

        IEnumerable<(string Kind, string Case, string Text)> Lines =>
            Line.Matches(Output).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value.TrimEnd()));

        public string? Outcome(string name) => Lines.Where(l => l.Kind == "CASE" && l.Case == name).Select(l => l.Text).LastOrDefault();
        public string[] Errors(string name) => Lines.Where(l => l.Kind == "ERROR" && l.Case == name).Select(l => l.Text).ToArray();
        public string[] Info(string name) => Lines.Where(l => l.Kind == "INFO" && l.Case == name).Select(l => l.Text).ToArray();
        public bool Done => Output.Contains("DP-DONE");
    }
}
