namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Runs the built <c>sparkify</c> as a separate process, for behaviour that spans processes or needs its own environment.</summary>
internal static class CliProcess
{
    public static string CliAssembly { get; } = Path.Combine(
        AppContext.BaseDirectory.Replace("Sparkify.Warehouse.Tests", "Sparkify.Warehouse.Cli", StringComparison.Ordinal), "sparkify.dll");

    public static Task<CliResult> RunAsync(IDictionary<string, string?> environment, params string[] args)
        => ProcessRunner.RunAsync("dotnet", [CliAssembly, .. args], environment: environment);
}
