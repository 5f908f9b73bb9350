namespace Sparkify.Warehouse;

/// <summary>
/// A failure the user can act on (bad input, missing configuration, an unreachable source). Its
/// message is written for people and never contains credentials.
/// </summary>
public class WarehouseException : Exception
{
    /// <summary>Creates an exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where possible, what to do.</param>
    public WarehouseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message for the user and the underlying cause.</summary>
    /// <param name="message">What went wrong and, where possible, what to do.</param>
    /// <param name="innerException">The underlying cause.</param>
    public WarehouseException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception without a message.</summary>
    public WarehouseException()
    {
    }
}
