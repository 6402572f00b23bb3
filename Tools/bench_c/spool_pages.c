// Writes 1.3 GB into an unlinked temporary file in 1 MiB pieces, reading each piece back through a mapping 64 MiB
// behind the writer, as decant's streamed conversion does; with argument 1 it also punches each piece out once read
// (so the file's pages are recycled), with 0 it keeps them. Run by Tools/bench_spool_pages.sh.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int punch=atoi(argv[1]); size_t total=1275UL<<20, chunk=1<<20, lag=64UL<<20;
  int fd=open("/tmp",O_TMPFILE|O_RDWR,0600); ftruncate(fd,total);
  char*buf=malloc(chunk); memset(buf,7,chunk);
  const unsigned char*map=mmap(0,total,PROT_READ,MAP_SHARED,fd,0);
  double t=now(); unsigned long sum=0;
  for(size_t off=0;off<total;off+=chunk){
    buf[0]=off; pwrite(fd,buf,chunk,off);
    if(off>=lag){ size_t r=off-lag; for(size_t i=r;i<r+chunk;i+=4096) sum+=map[i];
      if(punch){ madvise((void*)(map+r),chunk,MADV_DONTNEED); fallocate(fd,FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE,r,chunk);} }
  }
  double w=now()-t; close(fd); munmap((void*)map,total);
  printf("punch=%d loop %.3f s, total incl close %.3f s (%lu)\n",punch,w,now()-t,sum);
}
