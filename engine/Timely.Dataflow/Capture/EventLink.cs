using System.Diagnostics.CodeAnalysis;

namespace Timely.Dataflow.Capture;

/// <summary>
/// timely's <c>EventLink</c>: a singly linked list of events shared by handles. A handle
/// pushes by appending after its position and moving there; it iterates by moving to the
/// node after its position. <see cref="Fork"/> makes another handle at the same position,
/// which is how one handle captures and another replays (timely clones the <c>Rc</c>).
/// </summary>
/// <remarks>
/// Design: single-threaded, like timely's <c>Rc&lt;EventLink&gt;</c> (capture and replay run
/// on one worker thread); no field is volatile and nothing is locked. Use a channel to
/// cross threads. Each handle holds only its own node, so nodes every handle has passed
/// become garbage at once; the list is never walked recursively (the GC marks with an
/// explicit stack, and no method here recurses), so a list of millions of events is
/// dropped without the stack overflow that Rust's default recursive <c>Drop</c> needs a
/// manual loop to avoid.
/// </remarks>
public sealed class EventLink<T, TData> : IEventPusher<T, TData>, IEventIterator<T, TData>
{
    private Node _position;

    /// <summary>A new, empty list; this handle is at its start.</summary>
    public EventLink()
        : this(new Node(null))
    {
    }

    private EventLink(Node position) => _position = position;

    /// <summary>Another handle at this handle's position, sharing the list.</summary>
    public EventLink<T, TData> Fork() => new(_position);

    /// <summary>
    /// Appends <paramref name="e"/> after this handle's position and moves there. Throws if
    /// another handle already appended after this position: the list is a single chain,
    /// and timely would silently cut off the other handle's events.
    /// </summary>
    public void Push(Event<T, TData> e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_position.Next is not null)
        {
            throw new InvalidOperationException("EventLink.Push: this position already has a successor (two handles pushing from the same point).");
        }

        var node = new Node(e);
        _position.Next = node;
        _position = node;
    }

    /// <summary>Moves to the next event if one has been pushed; false at the end (try again later).</summary>
    public bool TryNext([NotNullWhen(true)] out Event<T, TData>? e)
    {
        Node? next = _position.Next;
        if (next is null)
        {
            e = null;
            return false;
        }

        _position = next;
        e = next.Event!;
        return true;
    }

    private sealed class Node(Event<T, TData>? e)
    {
        public Event<T, TData>? Event { get; } = e;

        public Node? Next { get; set; }
    }
}
