namespace Timely.Dataflow.Timestamps;

/// <summary>A timestamp refines itself (a region): times and summaries cross unchanged.</summary>
public sealed class IdentityRefines<T> : IRefines<T, T>
{
    // Design: immutable, one instance per type, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly IdentityRefines<T> Instance = new();

    private IdentityRefines()
    {
    }

    /// <inheritdoc />
    public T ToInner(T time) => time;

    /// <inheritdoc />
    public T ToOuter(T time) => time;

    /// <inheritdoc />
    public T Summarize(T summary) => summary;
}
