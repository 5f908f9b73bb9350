namespace Sparkify.Warehouse.Cli;

/// <summary>The process exit codes of <c>sparkify</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Success = 0;

    /// <summary>The work failed: bad input data, a database error, a failed check.</summary>
    public const int Failure = 1;

    /// <summary>The command line or configuration was not understood; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
