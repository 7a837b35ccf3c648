namespace StreamRisk.Domain.Ladders;

/// <summary>
/// One side of one symbol's liquidation ladder: positions ordered by liquidation price with running sums,
/// so "what is liquidated if the mark crosses X" is a lookup, never a scan. Longs are crossed by a mark at or
/// below their LP, shorts by a mark at or above it.
/// </summary>
/// <remarks>
/// An array-backed treap (randomised balanced search tree) keyed by (side-adjusted LP, position id) whose nodes
/// carry subtree sums: insert, remove and every crossing query are O(log n) expected, and steady-state
/// updates allocate nothing (freed nodes are reused). Single writer: the engine thread.
/// <para>
/// Changes are batched: <see cref="Upsert"/> and <see cref="Remove"/> only record the position's wanted entry, and the
/// tree is brought up to date by the next query. A mark moves the liquidation price of every cross position on other
/// symbols of the accounts holding it, so between two projections of a symbol its ladder sees the same positions move
/// several times; only the last move now costs a tree update. The result is the very tree the unbatched updates built:
/// a treap's shape is fixed by its (key, priority) pairs, each upsert still draws its priority from the deterministic
/// sequence at the moment it is called, and the subtree sums depend only on the shape — so every sum rounds exactly as
/// before (replay outputs stay byte-identical).
/// </para>
/// </remarks>
public sealed class LiquidationLadder : ILiquidationLadder
{
    private const int Nil = -1;

    private readonly double _sign; // −1 for longs: key = −LP, so "crossed by X" is always "key ≤ sign × X".
    private int[] _left;
    private int[] _right;
    private uint[] _priority;
    private double[] _key;
    private int[] _id;
    private double[] _ownSize;
    private double[] _ownLp;
    private double[] _ownBp;
    private LadderTotals[] _sum;
    private int[] _nodeOfId;
    private bool[] _wanted;        // by position id: on the ladder once pending changes are applied
    private double[] _wantedLp;
    private double[] _wantedSize;
    private double[] _wantedBp;
    private uint[] _wantedPriority;
    private bool[] _isPending;
    private int[] _pending = new int[16];
    private int _pendingCount;
    private int[] _scratchKept = [];
    private int[] _scratchFresh = [];
    private int[] _scratchStack = [];
    private double[] _scratchKeys = [];
    private int _root = Nil;
    private int _free = Nil;
    private int _used;
    private uint _seed = 2463534242;

    public LiquidationLadder(bool longSide, int capacity = 16)
    {
        IsLong = longSide;
        _sign = longSide ? -1 : 1;
        capacity = Math.Max(4, capacity);
        _left = new int[capacity];
        _right = new int[capacity];
        _priority = new uint[capacity];
        _key = new double[capacity];
        _id = new int[capacity];
        _ownSize = new double[capacity];
        _ownLp = new double[capacity];
        _ownBp = new double[capacity];
        _sum = new LadderTotals[capacity];
        _nodeOfId = new int[capacity];
        Array.Fill(_nodeOfId, Nil);
        _wanted = new bool[capacity];
        _wantedLp = new double[capacity];
        _wantedSize = new double[capacity];
        _wantedBp = new double[capacity];
        _wantedPriority = new uint[capacity];
        _isPending = new bool[capacity];
    }

    public bool IsLong { get; }

    public int Count => Root == Nil ? 0 : _sum[_root].Count;

    /// <summary>Everything on this side.</summary>
    public LadderTotals Total => Root == Nil ? default : _sum[_root];

    public bool Contains(int positionId) => positionId < _wanted.Length && _wanted[positionId];

    /// <summary>The root of the tree with every pending change applied.</summary>
    private int Root
    {
        get
        {
            if (_pendingCount > 0)
            {
                ApplyPending();
            }

            return _root;
        }
    }

    /// <summary>Adds a position or moves it to a new liquidation price / size. Ids are small dense integers.</summary>
    public void Upsert(int positionId, double liquidationPrice, double size, double bankruptcyPrice)
    {
        EnsureId(positionId);
        _wanted[positionId] = true;
        _wantedLp[positionId] = liquidationPrice;
        _wantedSize[positionId] = size;
        _wantedBp[positionId] = bankruptcyPrice;
        _wantedPriority[positionId] = NextPriority();
        MarkPending(positionId);
    }

    public bool Remove(int positionId)
    {
        if (!Contains(positionId))
        {
            return false;
        }

        _wanted[positionId] = false;
        MarkPending(positionId);
        return true;
    }

    /// <summary>Totals of the positions a mark at <paramref name="price"/> crosses (longs: LP ≥ price; shorts: LP ≤ price).</summary>
    public LadderTotals Crossed(double price)
    {
        var bound = _sign * price;
        var totals = default(LadderTotals);
        var node = Root;
        while (node != Nil)
        {
            if (_key[node] <= bound)
            {
                totals += SumOf(_left[node]) + Own(node);
                node = _right[node];
            }
            else
            {
                node = _left[node];
            }
        }

        return totals;
    }

    /// <summary>
    /// Liquidation heatmap: totals whose LP falls in each of <paramref name="buckets"/>.Length equal price buckets
    /// between <paramref name="low"/> and <paramref name="high"/> (bucket i covers [low + i·w, low + (i+1)·w)).
    /// Two crossing queries per bucket: O(buckets × log n).
    /// </summary>
    public void Heatmap(double low, double high, Span<LadderTotals> buckets)
    {
        var width = (high - low) / buckets.Length;
        for (var i = 0; i < buckets.Length; i++)
        {
            var from = low + (i * width);
            var to = i == buckets.Length - 1 ? high : low + ((i + 1) * width);
            buckets[i] = Between(from, to);
        }
    }

    /// <summary>Totals with LP in [from, to).</summary>
    public LadderTotals Between(double from, double to)
    {
        // Longs: Crossed(x) = LP ≥ x, so [from, to) = Crossed(from) − Crossed(to).
        // Shorts: Crossed(x) = LP ≤ x; [from, to) = LP ≤ to minus LP ≤ from, adjusted for the closed ends.
        return IsLong ? Crossed(from) - Crossed(to) : StrictlyBelow(to) - StrictlyBelow(from);
    }

    private LadderTotals StrictlyBelow(double price)
    {
        var totals = default(LadderTotals);
        var node = Root;
        while (node != Nil)
        {
            if (_key[node] < price)
            {
                totals += SumOf(_left[node]) + Own(node);
                node = _right[node];
            }
            else
            {
                node = _left[node];
            }
        }

        return totals;
    }

    private LadderTotals SumOf(int node) => node == Nil ? default : _sum[node];

    private LadderTotals Own(int node) => new(1, _ownSize[node], _ownSize[node] * _ownLp[node], _ownSize[node] * _ownBp[node]);

    private void Update(int node) => _sum[node] = SumOf(_left[node]) + Own(node) + SumOf(_right[node]);

    private static bool Less(double keyA, int idA, double keyB, int idB) => keyA < keyB || (keyA == keyB && idA < idB);

    private int Insert(int root, int node)
    {
        if (root == Nil)
        {
            return node;
        }

        if (_priority[node] > _priority[root])
        {
            Split(root, _key[node], _id[node], out var l, out var r);
            _left[node] = l;
            _right[node] = r;
            Update(node);
            return node;
        }

        if (Less(_key[node], _id[node], _key[root], _id[root]))
        {
            _left[root] = Insert(_left[root], node);
        }
        else
        {
            _right[root] = Insert(_right[root], node);
        }

        Update(root);
        return root;
    }

    // Splits into (< key) and (≥ key) by (key, id) order.
    private void Split(int root, double key, int id, out int left, out int right)
    {
        if (root == Nil)
        {
            left = right = Nil;
            return;
        }

        if (Less(_key[root], _id[root], key, id))
        {
            Split(_right[root], key, id, out var l, out right);
            _right[root] = l;
            left = root;
        }
        else
        {
            Split(_left[root], key, id, out left, out var r);
            _left[root] = r;
            right = root;
        }

        Update(root);
    }

    private int Merge(int a, int b)
    {
        if (a == Nil)
        {
            return b;
        }

        if (b == Nil)
        {
            return a;
        }

        if (_priority[a] > _priority[b])
        {
            _right[a] = Merge(_right[a], b);
            Update(a);
            return a;
        }

        _left[b] = Merge(a, _left[b]);
        Update(b);
        return b;
    }

    private int Delete(int root, double key, int id)
    {
        if (root == Nil)
        {
            return Nil;
        }

        if (_id[root] == id)
        {
            return Merge(_left[root], _right[root]);
        }

        if (Less(key, id, _key[root], _id[root]))
        {
            _left[root] = Delete(_left[root], key, id);
        }
        else
        {
            _right[root] = Delete(_right[root], key, id);
        }

        Update(root);
        return root;
    }

    private void MarkPending(int positionId)
    {
        if (_isPending[positionId])
        {
            return;
        }

        _isPending[positionId] = true;
        if (_pendingCount == _pending.Length)
        {
            Array.Resize(ref _pending, _pendingCount * 2);
        }

        _pending[_pendingCount++] = positionId;
    }

    // Brings the tree to the wanted entries. The order does not matter: the treap of a set of (key, id, priority)
    // triples is unique, whatever the order of the inserts and deletes that built it.
    private void ApplyPending()
    {
        // Each change costs a delete and an insert (~2 log n random node visits); when many positions changed since
        // the last query (a mark moves every multi-symbol cross account's other LPs) one linear rebuild is cheaper.
        if (_pendingCount > (Count0 / 16) + 8)
        {
            Rebuild();
            return;
        }

        for (var i = 0; i < _pendingCount; i++)
        {
            var id = _pending[i];
            _isPending[id] = false;
            var node = _nodeOfId[id];
            if (node != Nil)
            {
                _root = Delete(_root, _key[node], id);
                _nodeOfId[id] = Nil;
                _left[node] = _free;
                _free = node;
            }

            if (_wanted[id])
            {
                node = NewNode(id, _sign * _wantedLp[id], Math.Abs(_wantedSize[id]), _wantedLp[id], _wantedBp[id], _wantedPriority[id]);
                _nodeOfId[id] = node;
                _root = Insert(_root, node);
            }
        }

        _pendingCount = 0;
    }

    private int Count0 => _root == Nil ? 0 : _sum[_root].Count;

    /// <summary>
    /// Rebuilds the treap from its entries in key order in O(n + d log d) for d changes: the kept nodes come out of an
    /// in-order walk already sorted, the changed ones are sorted and merged in, and the tree is rebuilt as the Cartesian
    /// tree of that sequence (a stack of the right spine, O(n)). That is the one treap of these (key, priority) pairs —
    /// the tree the incremental path builds — and each node's sums are formed from its final children, as there.
    /// </summary>
    private void Rebuild()
    {
        var live = Count0;
        EnsureScratch(live + _pendingCount + 1);
        var kept = 0;
        var stack = _scratchStack;
        var top = 0;
        var node = _root;
        while (node != Nil || top > 0)
        {
            while (node != Nil)
            {
                stack[top++] = node;
                node = _left[node];
            }

            node = stack[--top];
            _scratchKept[kept++] = node;
            node = _right[node];
        }

        // Free the nodes of changed positions (after the walk: freeing reuses _left as the free-list link).
        var survivors = 0;
        for (var i = 0; i < kept; i++)
        {
            var n = _scratchKept[i];
            if (_isPending[_id[n]])
            {
                _nodeOfId[_id[n]] = Nil;
                _left[n] = _free;
                _free = n;
            }
            else
            {
                _scratchKept[survivors++] = n;
            }
        }

        var fresh = 0;
        for (var i = 0; i < _pendingCount; i++)
        {
            var id = _pending[i];
            _isPending[id] = false;
            if (_wanted[id])
            {
                var n = NewNode(id, _sign * _wantedLp[id], Math.Abs(_wantedSize[id]), _wantedLp[id], _wantedBp[id], _wantedPriority[id]);
                _nodeOfId[id] = n;
                _scratchFresh[fresh++] = n;
            }
        }

        _pendingCount = 0;
        SortByKey(fresh);

        // Merge, then build the Cartesian tree (max-heap on priority) with a stack holding the right spine.
        top = 0;
        int a = 0, b = 0;
        while (a < survivors || b < fresh)
        {
            int n;
            if (b == fresh || (a < survivors && Less(_key[_scratchKept[a]], _id[_scratchKept[a]], _key[_scratchFresh[b]], _id[_scratchFresh[b]])))
            {
                n = _scratchKept[a++];
            }
            else
            {
                n = _scratchFresh[b++];
            }

            var last = Nil;
            while (top > 0 && _priority[stack[top - 1]] < _priority[n])
            {
                last = stack[--top];
                Update(last); // its subtree is final once something larger passes it
            }

            _left[n] = last;
            _right[n] = Nil;
            if (top > 0)
            {
                _right[stack[top - 1]] = n;
            }

            stack[top++] = n;
        }

        // The bottom of the stack is the root; the rest of the spine is finished from the deepest up.
        _root = top > 0 ? stack[0] : Nil;
        while (top > 0)
        {
            Update(stack[--top]);
        }
    }

    // Sorts the first n fresh nodes by (key, id): the runtime's primitive-key sort by key, then id order within runs of
    // equal keys (rare: equal liquidation prices). A comparison delegate over both is ~3× slower in the replay profile.
    private void SortByKey(int n)
    {
        var keys = _scratchKeys.AsSpan(0, n);
        var nodes = _scratchFresh.AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            keys[i] = _key[nodes[i]];
        }

        keys.Sort(nodes);
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            for (var i = start + 1; i < end; i++)
            {
                var node = nodes[i];
                var j = i - 1;
                while (j >= start && _id[nodes[j]] > _id[node])
                {
                    nodes[j + 1] = nodes[j];
                    j--;
                }

                nodes[j + 1] = node;
            }

            start = end;
        }
    }

    private void EnsureScratch(int length)
    {
        if (_scratchKept.Length < length)
        {
            var capacity = Math.Max(length, _scratchKept.Length * 2);
            _scratchKept = new int[capacity];
            _scratchFresh = new int[capacity];
            _scratchStack = new int[capacity];
            _scratchKeys = new double[capacity];
        }
    }

    // xorshift32: deterministic priorities, so the same update sequence builds the same tree (replay). Drawn when the
    // upsert is called, not when it is applied, so batching leaves every priority where it was.
    private uint NextPriority()
    {
        _seed ^= _seed << 13;
        _seed ^= _seed >> 17;
        _seed ^= _seed << 5;
        return _seed;
    }

    private int NewNode(int id, double key, double size, double lp, double bp, uint priority)
    {
        int node;
        if (_free != Nil)
        {
            node = _free;
            _free = _left[node];
        }
        else
        {
            if (_used == _key.Length)
            {
                Grow(_used * 2);
            }

            node = _used++;
        }

        _priority[node] = priority;
        _key[node] = key;
        _id[node] = id;
        _ownSize[node] = size;
        _ownLp[node] = lp;
        _ownBp[node] = bp;
        _left[node] = Nil;
        _right[node] = Nil;
        _sum[node] = Own(node);
        return node;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _left, capacity);
        Array.Resize(ref _right, capacity);
        Array.Resize(ref _priority, capacity);
        Array.Resize(ref _key, capacity);
        Array.Resize(ref _id, capacity);
        Array.Resize(ref _ownSize, capacity);
        Array.Resize(ref _ownLp, capacity);
        Array.Resize(ref _ownBp, capacity);
        Array.Resize(ref _sum, capacity);
    }

    private void EnsureId(int positionId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positionId);
        if (positionId >= _nodeOfId.Length)
        {
            var old = _nodeOfId.Length;
            var capacity = Math.Max(positionId + 1, old * 2);
            Array.Resize(ref _nodeOfId, capacity);
            Array.Fill(_nodeOfId, Nil, old, _nodeOfId.Length - old);
            Array.Resize(ref _wanted, capacity);
            Array.Resize(ref _wantedLp, capacity);
            Array.Resize(ref _wantedSize, capacity);
            Array.Resize(ref _wantedBp, capacity);
            Array.Resize(ref _wantedPriority, capacity);
            Array.Resize(ref _isPending, capacity);
        }
    }
}
