using System.Text.RegularExpressions;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>Faults a test asks the stand-in for; each applies to every session of the stand-in.</summary>
public sealed class StandInFaults
{
    private readonly Lock _gate = new();
    private Regex? _serializationPattern;
    private int _serializationCountdown;
    private bool _dropDuringCopy;

    /// <summary>How long every COPY takes before it answers (after it has staged its rows), e.g. 40 s to outlast a 30 s client timeout.</summary>
    public TimeSpan CopyDelay { get; set; }

    /// <summary>
    /// Makes the <paramref name="occurrence"/>-th statement (1-based, counted over all sessions) whose text
    /// matches <paramref name="pattern"/> fail as Redshift reports a serializable isolation violation:
    /// <c>ERROR: 1023 DETAIL: Serializable isolation violation on table …</c>, SQLSTATE XX000.
    /// </summary>
    public void FailWithSerializationViolation(string pattern, int occurrence = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        lock (_gate)
        {
            _serializationPattern = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            _serializationCountdown = occurrence;
        }
    }

    /// <summary>Drops the client's connection halfway through staging the rows of the next COPY.</summary>
    public void DropConnectionDuringNextCopy()
    {
        lock (_gate)
        {
            _dropDuringCopy = true;
        }
    }

    internal bool TakeSerializationFailure(string sql)
    {
        lock (_gate)
        {
            if (_serializationPattern is null || !_serializationPattern.IsMatch(sql) || --_serializationCountdown > 0)
            {
                return false;
            }

            _serializationPattern = null;
            return true;
        }
    }

    internal bool TakeDropDuringCopy()
    {
        lock (_gate)
        {
            var drop = _dropDuringCopy;
            _dropDuringCopy = false;
            return drop;
        }
    }
}
