namespace Sparkify.Warehouse.Loading;

/// <summary>Where a running load is, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Phase">What the load is doing: <c>staging songs</c>, <c>staging events</c>, <c>transforming</c>, ...</param>
/// <param name="FilesRead">Files finished in this phase.</param>
/// <param name="FilesTotal">Files in this phase, when known.</param>
/// <param name="RecordsStaged">Records staged so far in this phase.</param>
/// <param name="BytesRead">Bytes of JSON read so far in this phase.</param>
/// <param name="Elapsed">Time since the load started.</param>
public sealed record LoadProgress(string Phase, long FilesRead, long? FilesTotal, long RecordsStaged, long BytesRead, TimeSpan Elapsed);
