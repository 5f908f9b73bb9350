using System.Runtime.InteropServices;

namespace Sparkify.Warehouse.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();

        // Ctrl+C (SIGINT), Ctrl+\ (SIGQUIT) and a service manager's stop (SIGTERM: systemd, Kubernetes, a CI job's
        // timeout) all cancel the work cleanly the first time: a load rolls back and is recorded as cancelled. A second
        // signal ends the process at once.
        void CancelOnce(PosixSignalContext context)
        {
            context.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, CancelOnce);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, CancelOnce);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, CancelOnce);

        return await SparkifyApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
    }
}
