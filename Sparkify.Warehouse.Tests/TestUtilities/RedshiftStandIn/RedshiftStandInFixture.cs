namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>An s3rver holding the real sample, and a Redshift stand-in that COPYs from it; one per test class.</summary>
public sealed class RedshiftStandInFixture : IAsyncLifetime
{
    private RedshiftStandIn? _standIn;

    public SparkifySampleInS3 Sample { get; } = new();

    public S3rverFixture S3 => Sample.Server;

    public RedshiftStandIn StandIn => _standIn ?? throw new InvalidOperationException("The stand-in is not started.");

    public async Task InitializeAsync()
    {
        await Sample.InitializeAsync();
        _standIn = await RedshiftStandIn.StartAsync(S3.Client);
    }

    public async Task DisposeAsync()
    {
        if (_standIn is not null)
        {
            await _standIn.DisposeAsync();
        }

        await Sample.DisposeAsync();
    }
}
