using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// Sends records at one time on one output (timely's <c>Session</c>). A ref struct: opening
/// a session allocates nothing, and it cannot outlive the operator invocation that opened it.
/// </summary>
public readonly ref struct OutputSession<T, TData>
{
    private readonly OutputPort<T, TData> _port;

    internal OutputSession(OutputPort<T, TData> port, T time)
    {
        _port = port;
        Time = time;
    }

    /// <summary>The time records are sent at.</summary>
    public T Time { get; }

    /// <summary>Sends one record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Give(TData item) => _port.Give(Time, item);

    /// <summary>Sends every record of <paramref name="items"/>.</summary>
    public void GiveSpan(ReadOnlySpan<TData> items) => _port.GiveSpan(Time, items);

    /// <summary>Sends every record of <paramref name="items"/> (the list is not kept).</summary>
    public void GiveList(List<TData> items) => _port.GiveSpan(Time, CollectionsMarshal.AsSpan(items));

    /// <summary>Ends the session; buffered records are sent when the operator finishes running.</summary>
    public void Dispose()
    {
    }
}
