using Npgsql;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Tests.Loading;

/// <summary>Which database errors make a load worth running again, on PostgreSQL and on Redshift.</summary>
public sealed class TransientFailureTests
{
    [Theory]
    // Redshift's serializable isolation violation, as libpq-compatible drivers receive it.
    [InlineData("XX000", "1023", "Serializable isolation violation on table - 100234, transactions forming the cycle are: 5511, 5512 (pid:1234);", true)]
    [InlineData("XX000", "1023: Serializable isolation violation on table - 100234", null, true)]
    [InlineData("XX000", "deadlock detected", "Process 1 waits for AccessExclusiveLock on relation 2", true)]
    [InlineData("40001", "could not serialize access due to concurrent update", null, true)]
    [InlineData("40P01", "deadlock detected", null, true)]
    // A failed COPY and other internal errors are the input's or the setup's: retrying cannot help.
    [InlineData("XX000", "Load into table 'staging_events' failed.  Check 'stl_load_errors' system table for details.", null, false)]
    [InlineData("XX000", "10230 something else", null, false)]
    [InlineData("XX000", "Not implemented", "1023 is mentioned only in passing", false)]
    [InlineData("42501", "permission denied for relation songplays", null, false)]
    public void A_database_error_is_transient_only_when_running_the_load_again_can_succeed(string sqlState, string message, string? detail, bool transient)
    {
        var error = new PostgresException(message, "ERROR", "ERROR", sqlState, detail);

        Assert.Equal(transient, TransientFailure.Is(error));
        Assert.Equal(transient, TransientFailure.Is(new InvalidOperationException("wrapped", error)));
    }
}
