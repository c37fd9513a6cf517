namespace Timely.Dataflow.Capture;

/// <summary>Accepts captured events (timely's <c>EventPusher</c>): a linked list, a writer, a channel.</summary>
public interface IEventPusher<T, TData>
{
    /// <summary>Takes <paramref name="e"/>; the pusher may keep it, so the caller must not reuse it.</summary>
    void Push(Event<T, TData> e);
}
