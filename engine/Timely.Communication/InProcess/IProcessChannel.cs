namespace Timely.Communication.InProcess;

/// <summary>Untyped view of a <see cref="ProcessChannel{T}"/>, for the fabric's registry.</summary>
internal interface IProcessChannel
{
    Type PayloadType { get; }

    /// <summary>How many workers have deallocated the channel (read and written under the fabric's lock).</summary>
    int Released { get; set; }

    /// <summary>Receiver <paramref name="worker"/>, on its own thread: its inbox of this channel is dropped (<see cref="ITouchedInbox.Drop"/>).</summary>
    void Drop(int worker);
}
