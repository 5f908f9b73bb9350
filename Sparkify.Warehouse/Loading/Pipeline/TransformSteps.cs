using Sparkify.Warehouse.Loading.Transform;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>The transform's statements as steps of a load plan, both targets.</summary>
internal static class TransformSteps
{
    /// <summary>
    /// Every statement of the transform; those that derive songs are skipped when
    /// <paramref name="songsKept"/> says the staged songs are the last successful load's.
    /// </summary>
    public static IEnumerable<LoadStep> For(WarehouseProvider provider, LoadAttempt run, Func<bool> songsKept)
    {
        var fullRefresh = run.Request.FullRefresh;
        var first = true;
        foreach (var step in StarSchemaTransform.Steps(provider, fullRefresh, reload: run.Request.Reload))
        {
            var planned = LoadStep.Custom(step.Sql, (executor, ct) => TransformRunner.RunAsync(executor, step, run.Transform, ct)) with { Phase = first ? LoadPhase.Transform : null };
            first = false;
            yield return step.DerivesSongs && !fullRefresh
                ? planned with { When = () => !songsKept(), Note = "skipped when the staged songs were kept: the song files are unchanged since the last successful load (staging_manifests)" }
                : planned;
        }
    }
}
