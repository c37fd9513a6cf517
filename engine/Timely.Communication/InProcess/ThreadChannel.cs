namespace Timely.Communication.InProcess;

/// <summary>
/// A worker's channel to itself: a FIFO of messages and a stack of buffers handed back.
/// Single-threaded by construction (one worker owns both ends).
/// </summary>
internal sealed class ThreadChannel<T> : ITouchedInbox
    where T : class
{
    private readonly Queue<T> _messages = new();
    private readonly Stack<T> _recycled = new();
    private readonly List<ITouchedInbox> _touched;
    private bool _dropped;

    /// <summary>A channel whose pushes add it to <paramref name="touched"/> (once, until the allocator finds it empty).</summary>
    public ThreadChannel(int id, List<ITouchedInbox> touched)
    {
        Id = id;
        _touched = touched;
        Pusher = new ThreadPusher(this);
        Puller = new ThreadPuller(this);
    }

    /// <summary>Whether the channel is in the allocator's list of channels to look at.</summary>
    public bool Touched { get; set; }

    /// <summary>A worker's channel to itself exists once allocated.</summary>
    public bool Reportable => true;

    public int Id { get; }

    public IPush<T> Pusher { get; }

    public IPull<T> Puller { get; }

    public bool HasData
    {
        get
        {
            if (_dropped)
            {
                _messages.Clear();
            }

            return _messages.Count > 0;
        }
    }

    public void Drop()
    {
        _dropped = true;
        _messages.Clear();
        _recycled.Clear();
    }

    private sealed class ThreadPusher(ThreadChannel<T> channel) : IPush<T>
    {
        public void Push(ref T? item)
        {
            if (item is not null)
            {
                channel._messages.Enqueue(item);
                item = channel._recycled.TryPop(out var back) ? back : null;
                if (!channel.Touched)
                {
                    channel.Touched = true;
                    channel._touched.Add(channel);
                }
            }
        }

        public void Done()
        {
        }
    }

    private sealed class ThreadPuller(ThreadChannel<T> channel) : IPull<T>
    {
        private T? _current;

        public ref T? Pull()
        {
            if (_current is not null)
            {
                channel._recycled.Push(_current);
            }

            _current = channel._messages.TryDequeue(out var next) ? next : null;
            return ref _current;
        }
    }
}
