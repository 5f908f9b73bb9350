namespace Sparkify.Warehouse.LocalServer;

/// <summary>
/// Thrown by <see cref="LocalPostgresServer"/> when this machine cannot host the local PostgreSQL
/// server, typically because the server binaries are not installed. The message is written for the
/// person at the terminal and says how to fix the problem; callers can show it as is.
/// </summary>
public sealed class LocalPostgresUnavailableException : InvalidOperationException
{
    /// <summary>The install hint shown when the server binaries are missing.</summary>
    internal const string InstallHint =
        "Install the PostgreSQL server with 'apt-get install postgresql' (Debian/Ubuntu, as root or with sudo).";

    /// <summary>Initializes a new instance with a default message that includes the install hint.</summary>
    public LocalPostgresUnavailableException()
        : base("The local PostgreSQL server is not available. " + InstallHint)
    {
    }

    /// <summary>Initializes a new instance with the given message.</summary>
    /// <param name="message">What is missing and how to install it.</param>
    public LocalPostgresUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with the given message and the exception that caused it.</summary>
    /// <param name="message">What is missing and how to install it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public LocalPostgresUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
