using System.Diagnostics.CodeAnalysis;

namespace Timely.Dataflow.Capture;

/// <summary>
/// A source of captured events for replay (timely's <c>EventIterator</c>). Never blocks:
/// false means "nothing available now", and a later call may succeed.
/// </summary>
public interface IEventIterator<T, TData>
{
    /// <summary>The next event if a whole one is available now; otherwise false.</summary>
    bool TryNext([NotNullWhen(true)] out Event<T, TData>? e);
}
