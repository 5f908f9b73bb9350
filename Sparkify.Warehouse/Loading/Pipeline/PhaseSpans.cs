using System.Diagnostics;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>The span and duration of each phase of one run: a phase lasts until the next one begins or the run ends.</summary>
internal sealed class PhaseSpans(Guid runId)
{
    private readonly Stopwatch _clock = new();
    private Activity? _span;
    private LoadPhase? _phase;

    /// <summary>Ends the current phase, unless it is <paramref name="phase"/>, and begins <paramref name="phase"/>.</summary>
    public void Enter(LoadPhase phase)
    {
        if (_phase == phase)
        {
            return;
        }

        End();
        _phase = phase;
        _clock.Restart();
        _span = LoadTelemetry.StartPhase(phase, runId);
    }

    /// <summary>Ends the current phase, if any; <paramref name="failed"/> marks its span as the one that failed.</summary>
    public void End(bool failed = false)
    {
        if (_phase is not { } phase)
        {
            return;
        }

        LoadTelemetry.PhaseEnded(phase, _clock.Elapsed);
        if (failed)
        {
            _span?.SetStatus(ActivityStatusCode.Error);
        }

        _span?.Dispose();
        (_phase, _span) = (null, null);
    }
}
