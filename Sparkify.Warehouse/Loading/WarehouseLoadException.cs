namespace Sparkify.Warehouse.Loading;

/// <summary>A load that failed and changed nothing in the star tables; <see cref="Result"/> says why and what was rejected.</summary>
public sealed class WarehouseLoadException : WarehouseException
{
    /// <summary>Creates the exception for a failed run.</summary>
    /// <param name="result">The failed run's result (status <c>failed</c>).</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public WarehouseLoadException(LoadResult result, Exception? innerException = null)
        : base(result?.Error ?? "The load failed.", innerException)
        => Result = result ?? throw new ArgumentNullException(nameof(result));

    /// <summary>The failed run: its id, counts and first rejected records.</summary>
    public LoadResult Result { get; }

    /// <summary>The attempt failed for a reason that may pass (see <see cref="TransientFailure"/>) and committed nothing.</summary>
    internal bool IsTransient { get; init; }
}
