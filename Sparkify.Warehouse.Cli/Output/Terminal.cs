using Spectre.Console;

namespace Sparkify.Warehouse.Cli.Output;

/// <summary>Spectre.Console bound to the command's output writer; plain text when that is not a terminal.</summary>
internal static class Terminal
{
    /// <summary>True when output goes to an interactive terminal (not redirected, not captured by a test).</summary>
    public static bool IsInteractive(TextWriter output)
        => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null;

    public static IAnsiConsole For(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = IsInteractive(output) ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = IsInteractive(output) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = IsInteractive(output) ? InteractionSupport.Yes : InteractionSupport.No,
    });
}
