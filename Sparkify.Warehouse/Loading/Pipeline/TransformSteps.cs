using Sparkify.Warehouse.Loading.Transform;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>The transform's statements as steps of a load plan, both targets.</summary>
internal static class TransformSteps
{
    /// <summary>
    /// Every statement of the transform; those that derive songs are skipped when
    /// <paramref name="songsKept"/> says the staged songs are the last successful load's (decided before
    /// the transform begins).
    /// </summary>
    /// <remarks>
    /// On PostgreSQL the statements go to the server in one round trip (a batch; each still runs on its
    /// own, in order): none needs a result of another to be written. Redshift gets them one at a time;
    /// its statements take far longer than a round trip, and a pipelined batch is nothing it documents.
    /// </remarks>
    public static IEnumerable<LoadStep> For(WarehouseProvider provider, LoadAttempt run, Func<bool> songsKept)
    {
        var fullRefresh = run.Request.FullRefresh;
        var first = true;
        foreach (var step in StarSchemaTransform.Steps(provider, fullRefresh, reload: run.Request.Reload))
        {
            var planned = (provider == WarehouseProvider.Postgres
                ? LoadStep.Batchable(step.Sql, result => TransformRunner.Tally(step, result, run.Transform), step.ReturnsCounts)
                : LoadStep.Custom(step.Sql, (executor, ct) => TransformRunner.RunAsync(executor, step, run.Transform, ct))) with { Phase = first ? LoadPhase.Transform : null, Note = step.Note };
            first = false;
            yield return step.DerivesSongs && !fullRefresh
                ? planned with { When = () => !songsKept(), Note = "skipped when the staged songs were kept: the song files are unchanged since the last successful load (staging_manifests)" }
                : planned;
        }
    }
}
