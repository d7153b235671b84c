#!/usr/bin/env python3
# include-graph.py: the module graph of src/ and ui/ from their #include "x.h"
# lines (a module: x.c with x.h), and its circles.
#     build-aux/include-graph.py .                 the circles, if any
#     build-aux/include-graph.py . plan,session    and what these include
import os,re,sys,collections
root=sys.argv[1]
g=collections.defaultdict(set)
for d in ['src','ui']:
    for f in os.listdir(os.path.join(root,d)):
        if not f.endswith(('.c','.h')): continue
        m=f.rsplit('.',1)[0]
        for inc in re.findall(r'^#include "([^"]+)\.h"',open(os.path.join(root,d,f)).read(),re.M):
            if inc!=m: g[m].add(inc)
# Tarjan SCC
idx={};low={};st=[];on=set();sccs=[];c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in g.get(v,()):
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: sccs.append(sorted(comp))
for v in list(g): 
    if v not in idx: sc(v)
for s in sccs: print("CIRCLE:",' '.join(s))
if len(sys.argv)>2:
    for m in sys.argv[2].split(','):
        print(m,'->',' '.join(sorted(g[m])))
