namespace Timely.Communication;

/// <summary>
/// The sending end of a channel: timely's <c>Push</c> trait.
/// </summary>
/// <remarks>
/// Ownership rule (as in timely): <see cref="Push"/> takes the item out of the slot and
/// may leave a different instance there, typically an empty buffer handed back by the
/// receiver, so a sender that reuses whatever it finds in the slot exchanges buffers
/// instead of allocating them. A slot holding <c>null</c>/default means "nothing":
/// pushing it is a flush (<see cref="Done"/>). Payloads are reference types (buffers,
/// strings, records): <c>null</c> is timely's <c>None</c>, which a value type cannot express.
/// </remarks>
public interface IPush<T>
    where T : class
{
    /// <summary>Sends the item in <paramref name="item"/> (if any); the slot may come back holding a recycled instance.</summary>
    void Push(ref T? item);

    /// <summary>Flushes anything buffered towards the receiver (timely's <c>done()</c>, a push of <c>None</c>).</summary>
    void Done();
}
