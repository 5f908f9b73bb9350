using Microsoft.Extensions.Logging;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>A logger that keeps the warnings it is given, formatted, for tests to read.</summary>
internal sealed class WarningLog<T> : ILogger<T>
{
    public List<string> Warnings { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.Warning)
        {
            Warnings.Add(formatter(state, exception));
        }
    }
}
