namespace Timely.Communication;

/// <summary>
/// The receiving end of a channel: timely's <c>Pull</c> trait.
/// </summary>
/// <remarks>
/// <see cref="Pull"/> returns a reference to a slot owned by the puller. The caller may
/// take the value out (and leave <c>null</c>) or swap in an instance of its own; whatever
/// is left in the slot at the next <see cref="Pull"/> is handed back to the sender for
/// reuse. The slot holds <c>null</c>/default when no message is available.
/// </remarks>
public interface IPull<T>
    where T : class
{
    /// <summary>The next message, FIFO per sender, or a slot holding <c>null</c> when there is none.</summary>
    ref T? Pull();
}
