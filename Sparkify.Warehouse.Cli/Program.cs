using System.Runtime.InteropServices;

namespace Sparkify.Warehouse.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C cancels the work cleanly (a load rolls back); a second one kills.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };

        // A service manager's stop (systemd, Kubernetes, a CI job's timeout) sends SIGTERM: the same clean cancel as
        // a first Ctrl+C, so a load rolls back and is recorded as cancelled rather than left to the next load to find
        // abandoned; a second SIGTERM ends the process at once.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        });

        return await SparkifyApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
    }
}
