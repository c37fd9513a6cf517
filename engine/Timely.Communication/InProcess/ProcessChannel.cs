namespace Timely.Communication.InProcess;

/// <summary>
/// The queues of one channel id among the workers of a process: for each ordered pair
/// (sender, receiver) a forward queue of messages and a return queue of buffers handed back.
/// Created by whichever worker allocates the id first, so messages sent before the
/// receiver allocates wait in the queue instead of being dropped.
/// </summary>
internal sealed class ProcessChannel<T> : IProcessChannel
    where T : class
{
    public ProcessChannel(int id, int peers)
    {
        Id = id;
        Peers = peers;
        Forward = new SpscQueue<T>[peers * peers];
        Returns = new SpscQueue<T>[peers * peers];
        for (int i = 0; i < Forward.Length; i++)
        {
            Forward[i] = new SpscQueue<T>();
            Returns[i] = new SpscQueue<T>();
        }

        Inboxes = new ProcessInbox<T>[peers];
        for (int r = 0; r < peers; r++)
        {
            var from = new SpscQueue<T>[peers];
            for (int s = 0; s < peers; s++)
            {
                from[s] = Forward[(s * peers) + r];
            }

            Inboxes[r] = new ProcessInbox<T>(id, from);
        }
    }

    public int Id { get; }

    public int Peers { get; }

    public Type PayloadType => typeof(T);

    public int Released { get; set; }

    public void Drop(int worker) => Inboxes[worker].Drop();

    /// <summary>Messages from sender <c>s</c> to receiver <c>r</c> at <c>s * Peers + r</c>.</summary>
    public SpscQueue<T>[] Forward { get; }

    /// <summary>Buffers from receiver <c>r</c> back to sender <c>s</c> at <c>s * Peers + r</c>.</summary>
    public SpscQueue<T>[] Returns { get; }

    /// <summary>Receiver <c>r</c>'s inbox at <c>r</c>: what a push to <c>r</c> announces.</summary>
    public ProcessInbox<T>[] Inboxes { get; }
}
