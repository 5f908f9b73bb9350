using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Loading.Ledger;

/// <summary>How a listed file compares with the ledger (<c>load_files</c>).</summary>
public enum LedgerFileStatus
{
    /// <summary>The ledger has no row for the file's URI.</summary>
    New,

    /// <summary>The ledger has a row, but the file's size, ETag or modification time differs.</summary>
    Changed,

    /// <summary>The ledger holds the file as it is now.</summary>
    Unchanged,

    /// <summary>The ledger holds a file under the source that the source no longer lists.</summary>
    NotListed,
}

/// <summary>Which of a load's sources a file belongs to.</summary>
public enum WarehouseFileSource
{
    /// <summary>Song data (<see cref="LoadRequest.SongsSource"/>).</summary>
    Songs,

    /// <summary>Event logs (<see cref="LoadRequest.EventsSource"/>).</summary>
    Events,
}

/// <summary>One file under a load's sources, or in the ledger under them, and what the next load would do with it.</summary>
/// <param name="Source">The source the file belongs to.</param>
/// <param name="Uri">The local path or <c>s3://bucket/key</c> URI.</param>
/// <param name="Status">How the file compares with the ledger.</param>
/// <param name="WillLoad">Whether the next load with the same request reads the file.</param>
/// <param name="SizeBytes">The size as listed now; null for <see cref="LedgerFileStatus.NotListed"/>.</param>
/// <param name="Loaded">The ledger's row for the file, if any: when, by which run, with how many records.</param>
public sealed record WarehouseFile(WarehouseFileSource Source, string Uri, LedgerFileStatus Status, bool WillLoad, long? SizeBytes, LoadFile? Loaded);

/// <summary>
/// What the next load would read: lists a request's sources and compares every file with the ledger
/// (<c>load_files</c>), without loading anything.
/// </summary>
public static class WarehouseFiles
{
    /// <summary>
    /// The files under <paramref name="request"/>'s sources (songs first, then events, each in listing
    /// order), then the ledger's files under those sources that are no longer listed. A file is read by
    /// the next load when it is new or changed, or always with <see cref="LoadRequest.Reload"/> (and on
    /// Redshift without <see cref="RedshiftSettings.ManifestPrefix"/>, whose loads read every file); with
    /// <see cref="LoadRequest.Since"/>/<see cref="LoadRequest.Until"/>, exactly the event files of those days.
    /// An empty or blank source is not listed (at least one is needed).
    /// </summary>
    /// <param name="options">Where the warehouse is (a connection string is required) and how S3 is reached.</param>
    /// <param name="request">The sources, and the reload and backfill switches, as the load would get them.</param>
    /// <param name="cancellationToken">Cancels listing and the ledger query.</param>
    /// <exception cref="WarehouseException">
    /// Invalid options or request (a backfill on Redshift needs a manifest prefix), a source that is missing
    /// or has no files, or a warehouse without the ledger table.
    /// </exception>
    public static async Task<IReadOnlyList<WarehouseFile>> ListAsync(WarehouseOptions options, LoadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);
        if (new WarehouseOptionsValidator(WarehouseSettingNames.Properties, connectionRequired: true).Validate(null, options) is { Failed: true } invalid)
        {
            throw new WarehouseException(string.Join(" ", invalid.Failures ?? []));
        }

        var backfill = Backfill.For(request, options);
        var pattern = EventFileDatePattern.Parse(options.EventFileDatePattern, $"{nameof(WarehouseOptions)}.{nameof(WarehouseOptions.EventFileDatePattern)}");
        var sources = new List<(WarehouseFileSource Kind, string Source)>();
        if (!string.IsNullOrWhiteSpace(request.SongsSource))
        {
            sources.Add((WarehouseFileSource.Songs, request.SongsSource));
        }

        if (!string.IsNullOrWhiteSpace(request.EventsSource))
        {
            sources.Add((WarehouseFileSource.Events, request.EventsSource));
        }

        if (sources.Count == 0)
        {
            throw new WarehouseException("Name a songs source, an events source, or both.");
        }

        using var resolver = new SourceResolver(options.S3);
        await using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(options.ConnectionString!, options.Provider).Options);
        var files = new List<WarehouseFile>();
        var notListed = new List<WarehouseFile>();
        foreach (var (kind, source) in sources)
        {
            var listed = new List<FileIdentity>();
            await foreach (var file in resolver.ListAsync(source, cancellationToken).ConfigureAwait(false))
            {
                listed.Add(FileIdentity.Of(file));
            }

            var ledger = await LedgerUnderAsync(context, LedgerPrefix(source), cancellationToken).ConfigureAwait(false);
            var eventBackfill = kind == WarehouseFileSource.Events ? backfill : null;
            foreach (var decision in FileSelection.Decide(listed, ledger, request.Reload || request.FullRefresh || ReadsEveryFile(options)))
            {
                // A backfill is a deliberate reload of exactly its days' event files, loaded before or not.
                var read = FileSelection.Reads(decision, eventBackfill, pattern);
                files.Add(new WarehouseFile(kind, decision.File.Uri, decision.Status, read, decision.File.SizeBytes, decision.Loaded));
            }

            var listedUris = listed.Select(f => f.Uri).ToHashSet(StringComparer.Ordinal);
            notListed.AddRange(ledger.Values
                .Where(row => !listedUris.Contains(row.Uri))
                .OrderBy(row => row.Uri, StringComparer.Ordinal)
                .Select(row => new WarehouseFile(kind, row.Uri, LedgerFileStatus.NotListed, WillLoad: false, SizeBytes: null, row)));
        }

        files.AddRange(notListed);
        return files;
    }

    /// <summary>
    /// The manifest a Redshift load with a manifest prefix writes for the files of <paramref name="source"/>
    /// that it reads (<see cref="WarehouseFile.WillLoad"/>), as <see cref="ListAsync"/> returned them:
    /// <c>{"entries": [{"url": ..., "mandatory": true, "meta": {"content_length": ...}}]}</c>. Null when
    /// it reads none of them: the load then writes no manifest and runs no <c>COPY</c> for that source.
    /// </summary>
    /// <param name="files">The files as <see cref="ListAsync"/> returned them.</param>
    /// <param name="source">Songs or events: one manifest per staging table.</param>
    /// <exception cref="ArgumentException">A file to read is not an S3 object.</exception>
    public static string? RedshiftManifestJson(IEnumerable<WarehouseFile> files, WarehouseFileSource source)
    {
        ArgumentNullException.ThrowIfNull(files);
        var entries = files.Where(f => f.Source == source && f.WillLoad)
            .Select(f => S3Location.IsS3Uri(f.Uri) && f.SizeBytes is { } size
                ? (f.Uri, size)
                : throw new ArgumentException($"{f.Uri}: a manifest lists S3 objects of known size only.", nameof(files)))
            .ToList();
        return entries.Count == 0 ? null : System.Text.Encoding.UTF8.GetString(RedshiftManifest.Write(entries));
    }

    /// <summary>
    /// Whether a load on the warehouse <paramref name="options"/> describe reads every file under its
    /// sources whatever the ledger holds: a Redshift load without a manifest prefix, whose <c>COPY</c>
    /// reads the whole prefix (it still records every file, so a manifest prefix set later starts from the truth).
    /// </summary>
    internal static bool ReadsEveryFile(WarehouseOptions options)
        => options.Provider == WarehouseProvider.Redshift && string.IsNullOrWhiteSpace(options.Redshift?.ManifestPrefix);

    /// <summary>
    /// The URI prefix of the ledger rows that belong to <paramref name="source"/>: the canonical S3 URI
    /// (every key under it, as a prefix COPY reads), a folder's full path with a trailing separator, or a file's full path.
    /// </summary>
    internal static string LedgerPrefix(string source)
    {
        if (S3Location.IsS3Uri(source))
        {
            return S3Location.Parse(source, "Source").Uri;
        }

        var full = Path.GetFullPath(source);
        return Directory.Exists(full) ? Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar : full;
    }

    private static async Task<Dictionary<string, LoadFile>> LedgerUnderAsync(WarehouseDbContext context, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            return await context.LoadFiles.AsNoTracking()
                .Where(row => row.Uri.StartsWith(prefix))
                .ToDictionaryAsync(row => row.Uri, StringComparer.Ordinal, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new WarehouseException("The warehouse has no load_files table (the ledger of loaded files): run sparkify migrate first.", e);
        }
    }
}
